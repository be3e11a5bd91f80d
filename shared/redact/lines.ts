/**
 * A byte stream cut into lines for a per-line rewrite, with bounded memory: a line longer than
 * MAX_LINE_BYTES is handed over in pieces cut at a separator, so one 2 GB line costs 4 MB, not
 * 2 GB. Lines that come back unchanged are passed on byte for byte; a line that is not valid
 * UTF-8 is read as Latin-1 so its bytes survive the round trip. With a LineSkipper, the lines
 * it rules out are not even decoded: each chunk is searched once for its matches and only the
 * lines they are in go to the rewriter.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** How far back from the cap a cut looks for a separator, so a secret is not split in two. */
const CUT_WINDOW = 64 * 1024;
const NEWLINE = Buffer.from('\n');

export type LineRewriter = (line: string) => string;

/**
 * Which lines a rewriter would return unchanged, known without decoding them: while `idle()`,
 * a line in which `find` (over the raw bytes) reports no match. A match never spans a newline.
 */
export interface LineSkipper {
  /** The index of a byte in [from, to) where a match ends, or -1. */
  find(bytes: Uint8Array, from: number, to: number): number;
  idle(): boolean;
}

function rewriteBytes(bytes: Buffer, rewrite: LineRewriter): Buffer {
  const cr = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d;
  const body = cr ? bytes.subarray(0, bytes.length - 1) : bytes;
  const encoding = isUtf8(body) ? 'utf8' : 'latin1';
  const text = body.toString(encoding);
  const out = rewrite(text);
  if (out === text) return bytes;
  const rewritten = Buffer.from(out, encoding);
  return cr ? Buffer.concat([rewritten, Buffer.from('\r')]) : rewritten;
}

/** Where to cut an over-long line: after the last separator in the window before the cap. */
function cutPoint(buffer: Buffer, limit: number): number {
  const from = Math.max(0, limit - CUT_WINDOW);
  for (let i = limit - 1; i >= from; i--) {
    const c = buffer[i];
    if (c === 0x20 || c === 0x2c || c === 0x7d || c === 0x3b || c === 0x09) return i + 1;
  }
  return limit;
}

/**
 * Rewrites the whole lines of `data` in [from, to), each ending with a newline, into `out`: the
 * bytes of lines that stay as they are go out as slices of `data`, not copies; with a skipper,
 * only the lines it finds (or all, while it is not idle) are decoded and rewritten.
 */
function rewriteLines(data: Buffer, from: number, to: number, rewrite: LineRewriter, skipper: LineSkipper | null, out: Buffer[]): void {
  if (skipper === null) {
    for (let start = from; start < to; ) {
      const nl = data.indexOf(0x0a, start);
      out.push(rewriteBytes(data.subarray(start, nl), rewrite), NEWLINE);
      start = nl + 1;
    }
    return;
  }
  /** Where the bytes not yet in `out` start. */
  let kept = from;
  for (let pos = from; pos < to; ) {
    if (skipper.idle()) {
      const hit = skipper.find(data, pos, to);
      if (hit === -1) break;
      // The line the match is in (pos is a line start, so this is never before it).
      pos = hit === pos ? pos : Math.max(pos, data.lastIndexOf(0x0a, hit - 1) + 1);
    }
    const nl = data.indexOf(0x0a, pos);
    const line = data.subarray(pos, nl);
    const rewritten = rewriteBytes(line, rewrite);
    if (rewritten !== line) {
      if (pos > kept) out.push(data.subarray(kept, pos));
      out.push(rewritten, NEWLINE);
      kept = nl + 1;
    }
    pos = nl + 1;
  }
  if (kept < to) out.push(data.subarray(kept, to));
}

export function createLineTransform(rewrite: LineRewriter, maxLineBytes = MAX_LINE_BYTES, skipper: LineSkipper | null = null): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        const out: Buffer[] = [];
        let start = 0;
        const last = data.lastIndexOf(0x0a);
        if (last !== -1) {
          if (pending.length > 0) {
            // The line that began in an earlier chunk.
            const nl = data.indexOf(0x0a);
            const line = Buffer.concat([...pending, data.subarray(0, nl)]);
            pending = [];
            pendingBytes = 0;
            out.push(rewriteBytes(line, rewrite), NEWLINE);
            start = nl + 1;
          }
          rewriteLines(data, start, last + 1, rewrite, skipper, out);
          start = last + 1;
        }
        if (start < data.length) {
          pending.push(data.subarray(start));
          pendingBytes += data.length - start;
          while (pendingBytes > maxLineBytes) {
            const joined = Buffer.concat(pending);
            const cut = cutPoint(joined, maxLineBytes);
            out.push(rewriteBytes(joined.subarray(0, cut), rewrite));
            const rest = joined.subarray(cut);
            pending = rest.length > 0 ? [rest] : [];
            pendingBytes = rest.length;
          }
        }
        callback(null, out.length === 0 ? undefined : out.length === 1 ? out[0] : Buffer.concat(out));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (pending.length > 0) {
          const line = Buffer.concat(pending);
          pending = [];
          callback(null, rewriteBytes(line, rewrite));
        } else callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/** Applies a line rewriter to a whole text (tests, manifest fields, reports). */
export function rewriteText(text: string, rewrite: LineRewriter): string {
  return text
    .split('\n')
    .map((line) => {
      const cr = line.endsWith('\r');
      const body = cr ? line.slice(0, -1) : line;
      return `${rewrite(body)}${cr ? '\r' : ''}`;
    })
    .join('\n');
}
