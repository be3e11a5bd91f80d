/**
 * The loader's record budget: a bundle whose logs hold more interesting lines than the budget is
 * thinned (symptoms first, then the first and last of the rest), says so, and still diagnoses
 * the same pods; a bundle under the budget is read exactly as before.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeEvidence } from '../../../analyzer/analyze.js';
import { collectSymptoms, isSymptomRecord } from '../../../analyzer/correlate/symptoms.js';
import { loadEvidence } from '../../../analyzer/evidence/load.js';
import type { Evidence, LogFile } from '../../../analyzer/evidence/types.js';
import { generateBundle } from '../../../bench/generate-bundle.js';
import { tempDir } from '../../helpers/tmp.js';

function logsOf(evidence: Evidence): LogFile<{ line: number }>[] {
  const out: LogFile<{ line: number }>[] = [...evidence.cluster.agentLogs];
  for (const node of evidence.nodes.values()) out.push(...node.journals.values(), ...node.logs.values());
  return out;
}

describe('record budget', async () => {
  const dir = await tempDir('cni-evidence-budget-');
  const bundle = join(dir, 'bundle.tgz');
  await generateBundle({ output: bundle, nodes: 3, journalBytes: 400_000, agentLogBytes: 60_000, failingNodes: 1 });
  const full = await loadEvidence(bundle);
  const fullRecords = logsOf(full).reduce((n, l) => n + l.records.length, 0);

  it('leaves a bundle under the budget alone', () => {
    expect(full.parseProblems.filter((p) => p.message.startsWith('kept '))).toEqual([]);
    expect(logsOf(full).every((l) => l.recordsDropped === 0)).toBe(true);
    expect(full.stats.records).toBeGreaterThan(fullRecords);
  });

  it('thins the logs to the budget, in line order, symptoms first, and says so', async () => {
    const budget = Math.floor(fullRecords / 4);
    const thin = await loadEvidence(bundle, { maxRecords: budget });
    const logs = logsOf(thin);
    const kept = logs.reduce((n, l) => n + l.records.length, 0);
    expect(kept).toBeLessThanOrEqual(budget);
    expect(kept).toBeGreaterThan(budget / 2);
    for (const log of logs) expect(log.records.map((r) => r.line)).toEqual([...log.records.map((r) => r.line)].sort((a, b) => a - b));
    const dropped = logs.reduce((n, l) => n + l.recordsDropped, 0);
    expect(kept + dropped).toBe(fullRecords);
    expect(thin.parseProblems.some((p) => /^kept \d+ of \d+ interesting lines/.test(p.message))).toBe(true);
    // The sandbox failures fit in the budget: every one survives.
    expect(collectSymptoms(thin).length).toBe(collectSymptoms(full).length);
    const pods = (e: Evidence) => analyzeEvidence(e).diagnoses.map((d) => `${d.pod} ${d.ruleId}`).sort();
    expect(pods(thin)).toEqual(pods(full));
  });

  it('keeps the first and the last sandbox failures of a log it thins hard', async () => {
    const thin = await loadEvidence(bundle, { maxRecords: 40 });
    const kubelet = thin.nodes.get('node-2')!.journals.get('kubelet')!;
    const before = full.nodes.get('node-2')!.journals.get('kubelet')!;
    expect(kubelet.records.length).toBeGreaterThan(0);
    expect(kubelet.records.length).toBeLessThan(before.records.length);
    const failures = before.records.filter((r) => r.kind === 'journal-entry' && isSymptomRecord(r)).map((r) => r.line);
    expect(failures.length).toBeGreaterThan(2);
    const kept = kubelet.records.map((r) => r.line);
    expect(kept).toContain(failures[0]);
    expect(kept).toContain(failures.at(-1));
  });
});
