/**
 * Fixed-column tables printed through Go's tabwriter (kubectl get, kubectl describe's Events,
 * findmnt). Column starts come from the header line; a value is the text from its column's start
 * to the next column's start. The header names may themselves contain single spaces
 * ("NOMINATED NODE", "READINESS GATES"), so columns are split on runs of two or more spaces.
 */

export interface Column {
  name: string;
  start: number;
}

export function headerColumns(header: string): Column[] {
  const cols: Column[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) cols.push({ name: m[0], start: m.index });
  return cols;
}

/**
 * Cuts a row by the header's columns. Returns undefined when the row does not line up (a column
 * start falls inside a word), so the caller can fall back to token splitting.
 */
export function cutRow(row: string, cols: readonly Column[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const start = cols[i]!.start;
    if (i > 0 && start < row.length && row[start - 1] !== ' ' && row[start - 1] !== '\t') return undefined;
    const end = i + 1 < cols.length ? cols[i + 1]!.start : row.length;
    out.push(row.slice(start, end).trim());
  }
  return out;
}
