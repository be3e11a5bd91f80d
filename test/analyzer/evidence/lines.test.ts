import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLine } from '../../../analyzer/evidence/lines.js';

/** What forEachLine means: decode the whole stream, drop a leading BOM, cut at LF, drop the CR of CRLF. */
async function reference(stream: Readable): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  let text = Buffer.concat(chunks).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === '') return [];
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

async function split(bytes: Buffer, cuts: number[]): Promise<{ lines: string[]; count: number }> {
  const lines: string[] = [];
  const count = await forEachLine(Readable.from(chunked(bytes, cuts)), (line, n) => {
    expect(n).toBe(lines.length + 1);
    lines.push(line);
  });
  return { lines, count };
}

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) out.push(bytes.subarray(at, p));
    at = Math.max(at, p);
  }
  return out;
}

const PIECES = ['a', 'kubelet', ' ', '\n', '\r', '\r\n', '\ufeff', 'é', '€', '😀', '\u0000', '\t'];

describe('forEachLine', () => {
  it('splits like decoding the whole stream and cutting at newlines, however the stream is chunked', async () => {
    const piece = fc.oneof(fc.constantFrom(...PIECES).map((s) => Buffer.from(s, 'utf8')), fc.uint8Array({ minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a)));
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), async (pieces, cuts) => {
        const bytes = Buffer.concat(pieces);
        const expected = await reference(Readable.from(chunked(bytes, cuts)));
        const got = await split(bytes, cuts);
        expect(got.lines).toEqual(expected);
        expect(got.count).toBe(expected.length);
      }),
      { numRuns: 400 },
    );
  });

  it('drops a byte order mark at the start only, and the CR of CRLF', async () => {
    expect((await split(Buffer.from('\ufeffa\r\nb\ufeff\r\n\r\n'), [1, 2, 4])).lines).toEqual(['a', 'b\ufeff', '']);
    expect((await split(Buffer.from('\r'), [])).lines).toEqual(['']);
    expect((await split(Buffer.from(''), [])).lines).toEqual([]);
  });

  it('hands out lines that do not share storage with the chunk (kept records must not pin chunks)', async () => {
    const { lines } = await split(Buffer.from('x'.repeat(100) + '\n' + 'y'.repeat(100) + '\n'), []);
    expect(lines.map((l) => l.length)).toEqual([100, 100]);
  });

  it('joins a line spread over many chunks', async () => {
    const long = 'z'.repeat(50_000);
    const bytes = Buffer.from(`${long}\n${long}`);
    const cuts = Array.from({ length: 300 }, (_, i) => i * 331);
    expect((await split(bytes, cuts)).lines).toEqual([long, long]);
  });
});
