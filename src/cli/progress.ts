import cliProgress from 'cli-progress';

export interface Progress {
  update: (region: string, done: number, total: number) => void;
  stop: () => void;
}

/** A progress bar on a terminal; otherwise a plain line per region at each tenth, so logs stay readable. */
export function progressReporter(stream: NodeJS.WriteStream, write: (text: string) => void): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({ stream, format: 'reading {region} [{bar}] {value}/{total} secrets', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
    let current = '';
    return {
      update: (region, done, total) => {
        if (region !== current) {
          if (current) bar.stop();
          bar.start(total, 0, { region });
          current = region;
        }
        bar.update(done, { region });
      },
      stop: () => bar.stop(),
    };
  }
  const lastTenth = new Map<string, number>();
  return {
    update: (region, done, total) => {
      const tenth = Math.floor((done / Math.max(total, 1)) * 10);
      if (tenth !== lastTenth.get(region) && (tenth > 0 || done === total)) {
        lastTenth.set(region, tenth);
        write(`vigil: ${region}: read ${done}/${total} secrets\n`);
      }
    },
    stop: () => undefined,
  };
}
