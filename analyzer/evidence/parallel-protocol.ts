/** Messages between the loader and its log-parsing worker (parallel.ts, line-worker.ts). */
import type { ParseProblem } from '../parsers/index.js';

export interface LineWorkerData {
  /** What parsersForBundle() gets on the main thread, so both sides build the same parsers. */
  parserOptions: { referenceTime?: string; knownNetworks?: string[]; noFastPaths?: boolean };
}

export type ToWorker =
  | { t: 'open'; id: number; file: string; parser: string }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'close'; id: number };

export type FromWorker =
  /** `records` is the JSON text of an array of records (plain data: strings, numbers, arrays, objects). */
  | { t: 'records'; id: number; records: string; problems: ParseProblem[] }
  | { t: 'ack'; bytes: number }
  | { t: 'done'; id: number; linesSeen: number }
  | { t: 'error'; id: number; message: string };
