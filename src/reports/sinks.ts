import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Where a report's text goes, a piece at a time. */
export interface TextSink {
  write(text: string): void;
}

/** Text written before the text it follows in the file (a body written before its head is known), copied in later. */
export interface Spool extends TextSink {
  /** Copies what was written into `out`, then frees it. */
  drainInto(out: TextSink): void;
}

/** Collects text in memory: small reports, tests, the report a Lambda uploads. */
export class StringSink implements Spool {
  private parts: string[] = [];
  write(text: string): void {
    this.parts.push(text);
  }
  text(): string {
    return this.parts.join('');
  }
  drainInto(out: TextSink): void {
    for (const part of this.parts) out.write(part);
    this.parts = [];
  }
}

const FLUSH_AT = 1 << 16;

/** A file written through a 64 KiB buffer: what the report holds in memory stays that small whatever its size on disk. */
export class FileSink implements TextSink {
  private readonly fd: number;
  private buffer = '';
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }
  flush(): void {
    if (this.buffer) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A spool in a temporary file beside the report, removed once drained. */
export class FileSpool implements Spool {
  private readonly file: FileSink;
  constructor(path: string) {
    this.file = new FileSink(path);
  }
  write(text: string): void {
    this.file.write(text);
  }
  drainInto(out: TextSink): void {
    this.file.close();
    const fd = openSync(this.file.path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      // A chunk may end inside a UTF-8 sequence: the decoder keeps the partial bytes for the next read.
      const decoder = new TextDecoder('utf-8');
      for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) out.write(decoder.decode(chunk.subarray(0, read), { stream: true }));
      const rest = decoder.decode();
      if (rest) out.write(rest);
    } finally {
      closeSync(fd);
      rmSync(this.file.path, { force: true });
    }
  }
}

/** Makes the spools a report writer needs: in memory, or as numbered temporary files in `dir`. */
export type SpoolFactory = () => Spool;

export const memorySpools: SpoolFactory = () => new StringSink();

export function fileSpools(dir: string, prefix: string): SpoolFactory {
  let n = 0;
  return () => new FileSpool(join(dir, `.${prefix}.${n++}.part`));
}
