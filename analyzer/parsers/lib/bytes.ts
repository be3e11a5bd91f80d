/**
 * Reading log lines from their undecoded UTF-8 bytes (the parsers' fast paths): positions, the
 * klog header, and the text of a line once it must be kept.
 */

/** Byte `i` of the line, or -1 past its end (bytes beyond belong to the next line). */
export function byteAt(bytes: Uint8Array, i: number, end: number): number {
  return i < end ? bytes[i]! : -1;
}

export const isDigitByte = (b: number): boolean => b >= 48 && b <= 57;

/**
 * isKlogHeader() over bytes[from, end): the index where the source (`file.go:12]`) begins, or -1.
 * The header before it (letter, date, clock, thread id) cannot hold a keyword.
 */
export function klogSourceStart(bytes: Uint8Array, from: number, end: number): number {
  for (let k = 1; k <= 4; k++) if (!isDigitByte(byteAt(bytes, from + k, end))) return -1;
  if (byteAt(bytes, from + 5, end) !== 32) return -1;
  let i = from + 6;
  if (!(isDigitByte(byteAt(bytes, i, end)) && isDigitByte(byteAt(bytes, i + 1, end)) && byteAt(bytes, i + 2, end) === 58 && byteAt(bytes, i + 5, end) === 58)) return -1;
  i += 8;
  if (byteAt(bytes, i, end) === 46) {
    i++;
    while (isDigitByte(byteAt(bytes, i, end))) i++;
  }
  if (byteAt(bytes, i, end) !== 32) return -1;
  while (byteAt(bytes, i, end) === 32) i++;
  const tidStart = i;
  while (isDigitByte(byteAt(bytes, i, end))) i++;
  if (i === tidStart || byteAt(bytes, i, end) !== 32) return -1;
  i++;
  const sourceStart = i;
  const limit = Math.min(end, i + 200);
  while (i < limit && bytes[i] !== 93 && bytes[i] !== 32) i++;
  return byteAt(bytes, i, end) === 93 ? sourceStart : -1;
}

export function startsWithBytes(bytes: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (at + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (bytes[at + k] !== word[k]) return false;
  return true;
}

export function indexOfBytes(bytes: Uint8Array, word: Uint8Array, from: number, end: number): number {
  const first = word[0];
  for (let i = from; i + word.length <= end; i++) if (bytes[i] === first && startsWithBytes(bytes, i, end, word)) return i;
  return -1;
}

/** Whether bytes[start, end) hold a NUL (binary or corrupt text, which the full path reports). */
export function hasNul(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

type Slicer = (bytes: Buffer, start: number, end: number) => string;
const nodeSlicer = (name: 'utf8Slice' | 'latin1Slice', encoding: BufferEncoding): Slicer =>
  typeof (Buffer.prototype as unknown as Record<string, unknown>)[name] === 'function'
    ? (bytes, start, end) => (bytes as unknown as Record<string, (start: number, end: number) => string>)[name]!(start, end)
    : (bytes, start, end) => bytes.toString(encoding, start, end);
/**
 * Buffer#toString('utf8', start, end) without its argument checks, which cost as much as the
 * decoding for a 200-byte line: Node's own utf8Slice, when this Node has it (every release does).
 */
export const utf8Slice: Slicer = nodeSlicer('utf8Slice', 'utf8');
const latin1Slice: Slicer = nodeSlicer('latin1Slice', 'latin1');

/** The text of a line of a chunk, with one Buffer view made per chunk rather than per line. */
export class LineText {
  private chunk: Uint8Array | undefined;
  private buffer: Buffer | undefined;

  private bufferOf(bytes: Uint8Array): Buffer {
    if (bytes !== this.chunk) {
      this.chunk = bytes;
      this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.buffer!;
  }

  of(bytes: Uint8Array, start: number, end: number): string {
    return utf8Slice(this.bufferOf(bytes), start, end);
  }

  /** Bytes known to be ASCII (a level word), without UTF-8 decoding. */
  ascii(bytes: Uint8Array, start: number, end: number): string {
    return latin1Slice(this.bufferOf(bytes), start, end);
  }
}
