/**
 * Builds tar archives byte by byte, so tests can make the hostile entries (links, devices, `..`,
 * absolute paths) that well-behaved tar writers refuse to produce.
 */
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  path: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, '6' FIFO */
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  content?: string | Buffer;
  linkTarget?: string;
  /** Claimed size in the header (defaults to the content length); lets a test lie about size. */
  declaredSize?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(entry: RawEntry, size: number): Buffer {
  const block = Buffer.alloc(512, 0);
  block.write(entry.path.slice(0, 100), 0, 'utf8');
  block.write(octal(entry.type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(1_700_000_000, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(entry.type ?? '0', 156, 'ascii');
  if (entry.linkTarget) block.write(entry.linkTarget, 157, 'utf8');
  block.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'ascii');
  return block;
}

export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const size = entry.type && entry.type !== '0' ? 0 : content.length;
    parts.push(header(entry, entry.declaredSize ?? size));
    if (size > 0) {
      parts.push(content);
      const pad = (512 - (size % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

export function rawTgz(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}
