/**
 * Go's text/tabwriter as kubectl describe configures it (minwidth 0, padding 2, padchar ' ', no
 * flags), so our describe text lines up byte for byte with what people paste from kubectl.
 *
 * Cells are tab-terminated; the text after a line's last tab is not a cell and never padded. A
 * column's width is set per block of consecutive lines that all have a cell in that column, which
 * is why "IPs:" (no tab) starts a new alignment for the lines after it.
 */

function runeWidth(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

export function tabwrite(text: string, padding = 2): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i += 1) {
      const cells = lines[i]!;
      let line = '';
      cells.forEach((cell, j) => {
        line += cell;
        if (j < widths.length) line += ' '.repeat(Math.max(0, widths[j]! - runeWidth(cell)));
      });
      out.push(line);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current += 1) {
      if (column >= lines[current]!.length - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = 0;
      for (; current < line1; current += 1) {
        const cells = lines[current]!;
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeWidth(cells[column]!) + padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
