/**
 * Parallel log parsing, opt-in (LoadOptions.lineWorker, CNI_EVIDENCE_LINE_WORKER=on). Reading a
 * bundle is two jobs of similar size: inflating, hashing and routing the tar, and cutting and
 * parsing gigabytes of log lines; a worker for the second lets them overlap. Measured on the
 * 2-core benchmark machine it did not pay yet: a log goes to the worker only when it is idle and
 * the main thread waits for it at the end of its own log, so both threads sat idle a third of the
 * time, and the JSON and copies added a fifth of CPU (bench/RESULTS.md). Off by default until the
 * scheduling is better.
 *
 * The loader keeps parsing the next log itself meanwhile and applies everything in bundle order,
 * so it sees exactly what it would see parsing in-thread (test/analyzer/evidence/parallel.test.ts).
 * Records travel as JSON text: a string crosses threads as a copy of its bytes, and JSON.parse
 * rebuilds plain records faster than the structured clone of the same objects.
 */
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParseProblem } from '../parsers/index.js';
import type { FromWorker, LineWorkerData, ToWorker } from './parallel-protocol.js';

/** Bytes sent and not yet parsed, past which the main thread waits: bounds the worker's queue. */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;

const WORKER_FILE = fileURLToPath(new URL('./line-worker.js', import.meta.url));

/** Whether this installation can run the worker (it is compiled JavaScript; tests on sources are not). */
export function lineWorkerAvailable(): boolean {
  return existsSync(WORKER_FILE);
}

interface Pending {
  onRecord: (record: unknown) => void;
  onProblem: (problem: ParseProblem) => void;
  resolve: (linesSeen: number) => void;
  reject: (error: Error) => void;
}

export class LineParsingWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(data: LineWorkerData) {
    // The worker keeps nothing but a batch of records: a small young generation is enough, and the
    // default (as big as the main thread's) was most of what the worker added to the peak memory.
    this.worker = new Worker(WORKER_FILE, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) this.fail(new Error(`the log-parsing worker exited (code ${code})`));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.drained?.();
  }

  private receive(message: FromWorker): void {
    if (message.t === 'ack') {
      this.inFlight -= message.bytes;
      if (this.inFlight <= MAX_IN_FLIGHT / 2 && this.drained) {
        const wake = this.drained;
        this.drained = undefined;
        wake();
      }
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    if (message.t === 'records') {
      for (const record of JSON.parse(message.records) as unknown[]) p.onRecord(record);
      for (const problem of message.problems) p.onProblem(problem);
    } else if (message.t === 'done') {
      this.pending.delete(message.id);
      p.resolve(message.linesSeen);
    } else {
      this.pending.delete(message.id);
      p.reject(new Error(message.message));
    }
  }

  private send(message: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer ?? []);
  }

  /**
   * Streams one log file to the worker; resolves once every byte is sent, with `done`, which
   * resolves with the number of lines once the worker has parsed the last one. Records and
   * problems are handed over in line order as they come back.
   */
  async parse(file: string, parserKey: string, content: Readable, onRecord: (record: unknown) => void, onProblem: (problem: ParseProblem) => void): Promise<{ done: Promise<number> }> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const done = new Promise<number>((resolve, reject) => this.pending.set(id, { onRecord, onProblem, resolve, reject }));
    // An early failure must not surface as an unhandled rejection while chunks are still sent.
    done.catch(() => undefined);
    this.send({ t: 'open', id, file, parser: parserKey });
    for await (const chunk of content) {
      if (this.failure) break;
      // A copy: the chunk may share its memory with the next tar entry, so it cannot be moved.
      const bytes = new Uint8Array(chunk as Buffer);
      this.inFlight += bytes.length;
      this.send({ t: 'chunk', id, bytes }, [bytes.buffer as ArrayBuffer]);
      if (this.inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.send({ t: 'close', id });
    return { done };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
