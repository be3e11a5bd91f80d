import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Colour only for a human at a terminal; pipes, files and NO_COLOR get plain text. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function painter(enabled: boolean): (style: Style, text: string) => string {
  // validateStream: false, or Node 20 drops colour whenever stdout is a pipe, even with FORCE_COLOR.
  return enabled ? (style, text) => styleText(style, text, { validateStream: false }) : (_style, text) => text;
}

/** Renders rows as aligned columns (like kubectl's tables). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export { formatBytes as humanBytes } from '../shared/format-bytes.js';
