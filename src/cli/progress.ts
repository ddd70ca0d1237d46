import cliProgress from 'cli-progress';

export interface Progress {
  update: (region: string, done: number, total: number) => void;
  stop: () => void;
}

/**
 * A progress bar when the stream is a terminal, nothing otherwise (logs and pipes stay clean). Line wrap is left as the
 * terminal had it: a run that dies mid-bar must not leave the shell unable to wrap.
 */
export function progressReporter(stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ stream, format: 'reading {region} [{bar}] {value}/{total} secrets', hideCursor: false, clearOnComplete: true, linewrap: true }, cliProgress.Presets.shades_classic);
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
