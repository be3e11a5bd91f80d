import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../analyzer/analyze.js';
import type { AnalysisResult } from '../../analyzer/model.js';
import { renderReport } from '../../analyzer/reports/index.js';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { redactBundle } from '../../shared/redact/redact-bundle.js';
import { REDACTION_RULE_IDS } from '../../shared/redact/rules/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildCorpus, type SeededSecret } from './corpus.js';

/** Every stored byte of a bundle as text: the manifest, each file, and the base64 documents inside JSON. */
async function everyByte(path: string): Promise<string> {
  const { result, files } = await readBundleTexts(path);
  const parts = [JSON.stringify(result.manifest), ...files.keys(), ...files.values()];
  for (const text of files.values()) {
    for (const m of text.matchAll(/"([A-Za-z0-9+/]{24,}={0,2})"/g)) parts.push(Buffer.from(m[1]!, 'base64').toString('latin1'));
  }
  return parts.join('\n');
}

/** The secret itself and every 12-character piece of its secret part. */
function survivors(haystack: string, secret: SeededSecret): string[] {
  const found: string[] = [];
  if (haystack.includes(secret.value)) found.push(secret.value);
  for (let i = secret.publicPrefix ?? 0; i + 12 <= secret.value.length - (secret.publicSuffix ?? 0); i++) {
    const piece = secret.value.slice(i, i + 12);
    if (haystack.includes(piece)) found.push(piece);
  }
  return found;
}

function diagnosisOf(result: AnalysisResult) {
  return {
    diagnoses: result.diagnoses.map((d) => ({ ruleId: d.ruleId, pod: d.pod, node: d.node, severity: d.severity, confidence: d.confidence, findingId: d.findingId })),
    findings: result.findings.map((f) => ({ id: f.id, ruleId: f.ruleId, severity: f.severity, confidence: f.confidence, scope: f.scope })),
  };
}

describe('the leak test: seeded secrets in every kind of artifact', async () => {
  const dir = await tempDir('cni-evidence-leak-');
  const corpus = buildCorpus();
  const original = await corpus.kit.write(join(dir, 'corpus.tgz'), corpus.description);
  const redacted = await redactBundle(original, join(dir, 'corpus.redacted.tgz'));
  const before = await everyByte(original);
  const after = await everyByte(redacted.path);

  it('seeds at least 20 kinds of secret, and every one of them is in the unredacted bundle', () => {
    expect(corpus.secrets.length).toBeGreaterThanOrEqual(20);
    expect(new Set(corpus.secrets.map((s) => s.kind)).size).toBe(corpus.secrets.length);
    for (const secret of corpus.secrets) expect(before.includes(secret.value), secret.kind).toBe(true);
  });

  it('leaves none of them, nor any 12-character piece of one, anywhere in the redacted bundle', () => {
    const leaks = corpus.secrets.map((s) => ({ kind: s.kind, found: survivors(after, s) })).filter((l) => l.found.length > 0);
    expect(leaks).toEqual([]);
  });

  it('does not change the diagnosis', async () => {
    const a = await analyzeBundle(original);
    const b = await analyzeBundle(redacted.path);
    expect(a.diagnoses[0]).toMatchObject({ ruleId: 'podcidr-mismatch', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' });
    expect(diagnosisOf(b)).toEqual(diagnosisOf(a));
  });

  it('records counts per file and per rule in the manifest, never the values, and the report says it is redacted', async () => {
    const { manifest } = redacted;
    expect(manifest.redaction.enabled).toBe(true);
    const totals = manifest.redaction.totals ?? {};
    for (const rule of Object.keys(totals)) expect(REDACTION_RULE_IDS).toContain(rule);
    // Every rule fired somewhere in this corpus.
    expect(Object.keys(totals).sort()).toEqual([...REDACTION_RULE_IDS].sort());
    const perFile = manifest.artifacts.filter((a) => a.redactions !== undefined);
    expect(perFile.length).toBeGreaterThan(8);
    const summed: Record<string, number> = {};
    for (const a of perFile) for (const [rule, n] of Object.entries(a.redactions!)) summed[rule] = (summed[rule] ?? 0) + n;
    for (const [rule, n] of Object.entries(summed)) expect(totals[rule]).toBeGreaterThanOrEqual(n);
    expect(manifest.artifacts.find((a) => a.path === 'cluster/configmaps/kube-system/cni-config.json')?.redactions).toMatchObject({ 'env-and-config-by-name': expect.any(Number) });
    const result = await analyzeBundle(redacted.path);
    expect(result.bundle.redacted).toBe(true);
    expect(renderReport(result, 'text')).toContain('Redacted: secrets replaced');
  });

  it('keeps what the diagnosis needs: addresses, CIDRs, sandbox ids, checksums, paths, certificates', () => {
    for (const kept of ['10.244.5.1/24', '10.244.1.0/24', '192.168.56.10:2379', '/etc/calico/certs/key.pem', 'sha256=', '"LOG_LEVEL"', 'DB_PASSWORD_FILE', '/var/run/secrets/db/password', 'certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0t', "<set to the key 'password' in secret 'db'>", 'https://root:<redacted:url-credentials>@192.168.56.10:2379', '-----BEGIN EC PRIVATE KEY-----']) {
      expect(after, kept).toContain(kept);
    }
    const sandbox = corpus.kit.node('node-1').pods[0]!.sandboxId;
    expect(after).toContain(sandbox);
  });
});
