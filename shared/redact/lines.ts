/**
 * A byte stream cut into lines for a per-line rewrite, with bounded memory: a line longer than
 * MAX_LINE_BYTES is handed over in pieces cut at a separator, so one 2 GB line costs 4 MB, not
 * 2 GB. Lines that come back unchanged are passed on byte for byte; a line that is not valid
 * UTF-8 is read as Latin-1 so its bytes survive the round trip.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** How far back from the cap a cut looks for a separator, so a secret is not split in two. */
const CUT_WINDOW = 64 * 1024;
const NEWLINE = Buffer.from('\n');

export type LineRewriter = (line: string) => string;

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

export function createLineTransform(rewrite: LineRewriter, maxLineBytes = MAX_LINE_BYTES): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        const out: Buffer[] = [];
        let start = 0;
        for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
          const piece = data.subarray(start, nl);
          const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
          pending = [];
          pendingBytes = 0;
          out.push(rewriteBytes(line, rewrite), NEWLINE);
          start = nl + 1;
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
        callback(null, out.length > 0 ? Buffer.concat(out) : undefined);
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
