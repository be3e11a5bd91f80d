import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/**
 * Calls `onLine` for every line of a stream without holding more than one chunk and one partial
 * line: journals in a bundle can be gigabytes. Returns the number of lines.
 */
export async function forEachLine(stream: Readable, onLine: (line: string, lineNo: number) => void): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  let first = true;
  for await (const chunk of stream) {
    let text = carry + decoder.write(chunk as Buffer);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      onLine(text.slice(start, end), ++lineNo);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest, ++lineNo);
  return lineNo;
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
