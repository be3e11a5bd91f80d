/**
 * Progress on stderr. On a terminal: a live block with one line per node in flight, redrawn in
 * place (warnings scroll above it). Elsewhere (CI logs, pipes): one plain line per change, so the
 * log reads as a history. Either way a summary table at the end.
 *
 * Hand-written rather than a dependency: a redraw is "cursor up N, clear to end, print".
 */
import { humanBytes, table } from '../../cli/terminal.js';

export type NodeState = 'queued' | 'creating pod' | 'waiting for pod' | 'collecting' | 'deleting pod' | 'done' | 'partial' | 'failed' | 'timeout' | 'forbidden' | 'skipped';

export interface NodeSummaryRow {
  node: string;
  status: string;
  artifacts: number;
  bytes: number;
  seconds: number;
  reason?: string;
}

export interface Progress {
  /** A phase of the collection ("discovering scope", "cluster evidence"). */
  phase(text: string): void;
  node(node: string, state: NodeState, detail?: string): void;
  /** Something the user should know now (a denied permission, a pod left behind). */
  warn(text: string): void;
  /** The summary table; also ends the live display. */
  summary(rows: NodeSummaryRow[], footer: string[]): void;
  close(): void;
}

export function summaryTable(rows: NodeSummaryRow[]): string {
  return table(
    ['NODE', 'STATUS', 'ARTIFACTS', 'BYTES', 'SECONDS', 'REASON'],
    rows.map((r) => [r.node, r.status, String(r.artifacts), humanBytes(r.bytes), r.seconds.toFixed(1), r.reason ?? '']),
  );
}

const ACTIVE: ReadonlySet<NodeState> = new Set(['creating pod', 'waiting for pod', 'collecting', 'deleting pod']);

export class SilentProgress implements Progress {
  phase(): void {}
  node(): void {}
  warn(): void {}
  summary(): void {}
  close(): void {}
}

/** One line per event, prefixed with the seconds since start. */
export class PlainProgress implements Progress {
  private readonly started = Date.now();
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  private line(text: string): void {
    const t = ((Date.now() - this.started) / 1000).toFixed(1).padStart(5);
    this.out.write(`[${t}s] ${text}\n`);
  }

  phase(text: string): void {
    this.line(text);
  }

  node(node: string, state: NodeState, detail?: string): void {
    if (state === 'queued') return;
    this.line(`${node}: ${state}${detail ? ` (${detail})` : ''}`);
  }

  warn(text: string): void {
    this.line(`warning: ${text}`);
  }

  summary(rows: NodeSummaryRow[], footer: string[]): void {
    if (rows.length > 0) this.out.write(`\n${summaryTable(rows)}\n`);
    for (const line of footer) this.out.write(`${line}\n`);
  }

  close(): void {}
}

/** The live block: phase, one line per node in flight, and counts of the rest. */
export class TtyProgress implements Progress {
  private readonly states = new Map<string, { state: NodeState; detail?: string; since: number }>();
  private phaseText = '';
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private schedule(): void {
    if (this.timer || this.closed) return;
    // Coalesce bursts of updates (16 workers) into at most ~12 redraws a second.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, 80);
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.closed) return;
    this.clear();
    const rows = Math.max(5, (this.out.rows || 24) - 4);
    const lines: string[] = [];
    if (this.phaseText) lines.push(this.phaseText);
    const active = [...this.states].filter(([, s]) => ACTIVE.has(s.state));
    const width = Math.max(8, ...active.map(([n]) => n.length));
    for (const [name, s] of active.slice(0, rows - 2)) {
      const secs = ((Date.now() - s.since) / 1000).toFixed(0);
      lines.push(`  ${name.padEnd(width)}  ${s.state}${s.detail ? ` (${s.detail})` : ''}  ${secs}s`);
    }
    if (active.length > rows - 2) lines.push(`  … ${active.length - (rows - 2)} more in flight`);
    const counts = new Map<string, number>();
    for (const s of this.states.values()) if (!ACTIVE.has(s.state)) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    if (counts.size > 0) lines.push(`  ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
    // A pty that reports no size (0) gets a sane default rather than empty lines.
    const cols = this.out.columns || 120;
    for (const line of lines) this.out.write(`${line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line}\n`);
    this.drawn = lines.length;
  }

  phase(text: string): void {
    this.phaseText = text;
    this.schedule();
  }

  node(node: string, state: NodeState, detail?: string): void {
    this.states.set(node, { state, ...(detail !== undefined ? { detail } : {}), since: Date.now() });
    this.schedule();
  }

  warn(text: string): void {
    this.clear();
    this.out.write(`warning: ${text}\n`);
    this.schedule();
  }

  summary(rows: NodeSummaryRow[], footer: string[]): void {
    this.close();
    if (rows.length > 0) this.out.write(`${summaryTable(rows)}\n`);
    for (const line of footer) this.out.write(`${line}\n`);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.clear();
    this.closed = true;
  }
}

/** Live display on a terminal, plain lines otherwise (CI, pipes, NO_COLOR does not matter here). */
export function progressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY === true && process.env.TERM !== 'dumb' ? new TtyProgress(stream) : new PlainProgress(stream);
}
