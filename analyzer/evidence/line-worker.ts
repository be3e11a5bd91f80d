/**
 * The worker side of parallel log parsing (see parallel.ts): the bundle's big logs are cut into
 * lines and parsed here, on a second core, while the main thread inflates, checks and routes the
 * bundle. The parsers are the same objects the main thread would use, fed the same lines in the
 * same order, so the records are the same; they go back in batches, in order.
 */
import { PassThrough } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { isParseProblem, parsersForBundle, type LineParser, type ParseProblem } from '../parsers/index.js';
import { parseLogStream } from './lines.js';
import type { FromWorker, LineWorkerData, ToWorker } from './parallel-protocol.js';

const BATCH = 2000;
const port = parentPort!;
const data = workerData as LineWorkerData;
const parsers = parsersForBundle(data.parserOptions).line as Record<string, LineParser<unknown>>;
const open = new Map<number, PassThrough>();

const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer ?? []);

function start(id: number, file: string, parserKey: string): void {
  const parser = parsers[parserKey];
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  open.set(id, stream);
  let records: unknown[] = [];
  let problems: ParseProblem[] = [];
  const flush = (): void => {
    if (records.length === 0 && problems.length === 0) return;
    post({ t: 'records', id, records: JSON.stringify(records), problems });
    records = [];
    problems = [];
  };
  if (!parser) {
    post({ t: 'error', id, message: `no line parser ${parserKey}` });
    return;
  }
  // Deferred lines travel as they are; the main thread materializes the ones its budget keeps.
  parseLogStream(parser, file, stream, (out) => {
    if (isParseProblem(out)) problems.push(out);
    else records.push(out);
    if (records.length + problems.length >= BATCH) flush();
  }).then(
    (linesSeen) => {
      flush();
      open.delete(id);
      post({ t: 'done', id, linesSeen });
    },
    (error: unknown) => {
      open.delete(id);
      post({ t: 'error', id, message: (error as Error)?.message ?? String(error) });
    },
  );
}

port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'open':
      start(message.id, message.file, message.parser);
      break;
    case 'chunk': {
      const stream = open.get(message.id);
      const bytes = message.bytes;
      // The ack is the main thread's flow control: it stops sending while too much is queued here.
      if (stream) stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), () => post({ t: 'ack', bytes: bytes.length }));
      else post({ t: 'ack', bytes: bytes.length });
      break;
    }
    case 'close':
      open.get(message.id)?.end();
      break;
  }
});
