/**
 * The loader's budget of log records over a whole bundle. A journal of gigabytes keeps tens of
 * thousands of interesting lines per node; past the budget the logs with the most are thinned
 * so the analyzer's memory stays flat however big the bundle: the sandbox failures (what becomes
 * a symptom) are kept first and get at least half the budget, then other errors and warnings,
 * then info lines; within each class a log keeps its first and its last records (the start of the
 * story and the state at collection time) and counts the middle in `recordsDropped`. A bundle
 * under the budget is never touched.
 */
import { isSymptomRecord } from '../correlate/symptoms.js';
import { isDeferredLine, type LogRecordBase } from '../parsers/index.js';
import type { LogFile } from './types.js';

/** 0: becomes a symptom, 1: other error or warning, 2: the rest (info, markers). */
type KeepClass = 0 | 1 | 2;

function keepClass(record: unknown): KeepClass {
  const r = record as LogRecordBase;
  if (r.severity !== 'error' && r.severity !== 'warning') return 2;
  // A deferred error or warning reaches the budget only when it cannot be a symptom (the loader
  // decodes the others first: mayBeSymptomLine).
  if (isDeferredLine(record)) return 1;
  return r.message !== undefined && r.fields !== undefined && isSymptomRecord(r) ? 0 : 1;
}

/** The largest per-log cap C with the sum of min(count, C) within `target` (water filling). */
export function fairCap(counts: readonly number[], target: number): number {
  const sorted = [...counts].sort((a, b) => a - b);
  let rest = Math.max(0, target);
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(rest / (sorted.length - i));
    if (sorted[i]! > share) return share;
    rest -= sorted[i]!;
  }
  return Number.POSITIVE_INFINITY;
}

interface Tracked {
  log: LogFile<unknown>;
  /** keepClass of each record, parallel to log.records. */
  classes: KeepClass[];
  counts: [number, number, number];
}

export class RecordBudget {
  private readonly tracked: Tracked[] = [];
  private total = 0;
  /** Logs that lost records, for the note the analysis carries. */
  readonly thinned = new Set<LogFile<unknown>>();

  constructor(readonly max: number) {}

  /** Every log tracked, in the order they were read. */
  logs(): LogFile<unknown>[] {
    return this.tracked.map((t) => t.log);
  }

  /** Starts a log; the returned function keeps one record of it. */
  track<R>(log: LogFile<R>): (record: R) => void {
    const t: Tracked = { log: log as LogFile<unknown>, classes: [], counts: [0, 0, 0] };
    this.tracked.push(t);
    return (record: R) => {
      const cls = keepClass(record);
      log.records.push(record);
      t.classes.push(cls);
      t.counts[cls] += 1;
      if (++this.total > this.max) this.makeRoom();
    };
  }

  /** Thins the biggest logs (the one being read included) to fit three quarters of the budget. */
  private makeRoom(): void {
    const target = Math.floor(this.max * 0.75);
    const symptoms = this.tracked.map((t) => t.counts[0]);
    const allSymptoms = symptoms.reduce((a, b) => a + b, 0);
    const symptomCap = fairCap(symptoms, Math.min(allSymptoms, Math.floor(target / 2)));
    const keptSymptoms = symptoms.reduce((sum, n) => sum + Math.min(n, symptomCap), 0);
    const otherCap = fairCap(this.tracked.map((t) => t.counts[1] + t.counts[2]), target - keptSymptoms);
    for (const t of this.tracked) {
      if (t.counts[0] > symptomCap || t.counts[1] + t.counts[2] > otherCap) this.thin(t, symptomCap, otherCap);
    }
  }

  private thin(t: Tracked, symptomCap: number, otherCap: number): void {
    const { log, classes } = t;
    const byClass: number[][] = [[], [], []];
    classes.forEach((cls, i) => byClass[cls]!.push(i));
    const take0 = Math.min(symptomCap, byClass[0]!.length);
    const take1 = Math.min(otherCap, byClass[1]!.length);
    const take2 = Math.min(otherCap - take1, byClass[2]!.length);
    const keep = new Uint8Array(classes.length);
    [take0, take1, take2].forEach((take, cls) => {
      const indices = byClass[cls]!;
      const head = Math.ceil(take / 2);
      for (let k = 0; k < head; k++) keep[indices[k]!] = 1;
      for (let k = indices.length - (take - head); k < indices.length; k++) keep[indices[k]!] = 1;
    });
    // In place: the same array is referenced from the node's journals or the cluster's agent logs.
    const records = log.records;
    let kept = 0;
    for (let i = 0; i < classes.length; i++) {
      if (keep[i] !== 1) continue;
      records[kept] = records[i];
      classes[kept] = classes[i]!;
      kept += 1;
    }
    const dropped = records.length - kept;
    records.length = kept;
    classes.length = kept;
    t.counts = [take0, take1, take2];
    log.recordsDropped += dropped;
    this.total -= dropped;
    this.thinned.add(log);
  }
}
