import type { Readable } from 'node:stream';
import type { DeferredLine, LineParser, ParseProblem } from '../parsers/types.js';
import { utf8Slice } from '../parsers/lib/bytes.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Calls `onLine` for every line of a stream without holding more than one chunk and one partial
 * line: journals in a bundle can be gigabytes. Returns the number of lines.
 *
 * Lines are cut at the newline byte (UTF-8 never uses 0x0A inside a character) and each line is
 * decoded on its own, so a line is a string of its own. Slicing one decoded chunk instead would
 * hand out strings that point into the whole chunk: every record a parser keeps would then keep
 * its chunk alive, and a journal with a kept line in every chunk would stay in memory whole.
 * A UTF-8 byte order mark at the start is dropped; a CR before the newline is not part of the line.
 */
export async function forEachLine(
  stream: Readable,
  onLine: (line: string, lineNo: number) => void,
  /**
   * Asked first with the line's undecoded bytes (`bytes[start, end)`, the CR already cut): true
   * means the line is dealt with and is never decoded. Most lines of a big journal end here.
   */
  dropUnread?: (bytes: Uint8Array, start: number, end: number, lineNo: number) => boolean,
): Promise<number> {
  // The bytes of the line in progress, kept as pieces: a long line over many chunks is joined once.
  let parts: Buffer[] = [];
  let partsLength = 0;
  let lineNo = 0;
  let first = true;
  // A plain Uint8Array view: V8 reads its bytes a third faster than a Buffer's in the sieve's loop.
  const viewOf = (bytes: Buffer): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const emit = (bytes: Buffer, start: number, end: number, view?: Uint8Array): void => {
    const stop = end > start && bytes[end - 1] === CR ? end - 1 : end;
    const n = ++lineNo;
    if (dropUnread !== undefined && dropUnread(view ?? viewOf(bytes), start, stop, n)) return;
    onLine(utf8Slice(bytes, start, stop), n);
  };
  for await (const chunk of stream) {
    let buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    let start = 0;
    if (first) {
      // Wait for three bytes before deciding on a byte order mark.
      if (partsLength + buf.length < 3 && buf.indexOf(LF) === -1) {
        parts.push(buf);
        partsLength += buf.length;
        continue;
      }
      if (partsLength > 0) {
        buf = Buffer.concat([...parts, buf]);
        parts = [];
        partsLength = 0;
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      first = false;
    }
    let newline = buf.indexOf(LF, start);
    if (newline === -1) {
      const rest = start === 0 ? buf : buf.subarray(start);
      parts.push(rest);
      partsLength += rest.length;
      continue;
    }
    if (partsLength > 0) {
      const line = Buffer.concat([...parts, buf.subarray(start, newline)]);
      parts = [];
      partsLength = 0;
      emit(line, 0, line.length);
      start = newline + 1;
      newline = buf.indexOf(LF, start);
    }
    const view = dropUnread !== undefined ? viewOf(buf) : undefined;
    while (newline !== -1) {
      emit(buf, start, newline, view);
      start = newline + 1;
      newline = buf.indexOf(LF, start);
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      parts.push(rest);
      partsLength += rest.length;
    }
  }
  // A stream shorter than three bytes never left the byte-order-mark check: there is no mark.
  if (partsLength > 0) {
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    emit(line, 0, line.length);
  }
  return lineNo;
}

/**
 * A log file through a line parser, its fast path first: `take` gets, in line order, every record,
 * DeferredLine (to be materialized by the parser once known to be kept) and problem. The loader,
 * its worker and the tests read logs through this one function. Returns the number of lines.
 */
export async function parseLogStream<R>(
  parser: LineParser<R>,
  file: string,
  stream: Readable,
  take: (out: R | DeferredLine | ParseProblem) => void,
): Promise<number> {
  const dropUnread = parser.dropUnread
    ? (bytes: Uint8Array, start: number, end: number, lineNo: number): boolean => {
        const verdict = parser.dropUnread!(bytes, start, end, lineNo, file);
        if (verdict === true || verdict === false) return verdict;
        take(verdict);
        return true;
      }
    : undefined;
  const lines = await forEachLine(
    stream,
    (line, lineNo) => {
      const out = parser.parseLine(line, lineNo, file);
      if (out !== null) take(out);
    },
    dropUnread,
  );
  parser.endFile?.(file);
  return lines;
}

/** Reads a whole (small) stream as text, refusing past `maxBytes` so a huge file cannot exhaust memory. */
export async function readText(stream: Readable, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    if (size + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, Math.max(0, maxBytes - size)));
      size = maxBytes;
      cut = true;
      // Keep reading (and discarding) so the bundle pass carries on.
      continue;
    }
    if (!cut) {
      chunks.push(buffer);
      size += buffer.length;
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut };
}
