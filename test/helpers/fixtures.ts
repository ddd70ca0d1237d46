import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEventFile } from '../../src/events/index.js';

export const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');

/** A fresh copy of a recorded fixture, e.g. `loadFixture('eventbridge/DeleteSecret-force.json')`. Gzipped files are decoded. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return decodeEventFile(readFileSync(join(EVENTS_DIR, relativePath)), relativePath) as T;
}

/** Every fixture file below `events/<folder>`, as paths relative to `events/`. */
export function fixtureFiles(folder: string): string[] {
  return readdirSync(join(EVENTS_DIR, folder))
    .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
    .sort()
    .map((f) => `${folder}/${f}`);
}
