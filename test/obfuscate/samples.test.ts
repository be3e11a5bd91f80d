import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../analyzer/analyze.js';
import type { AnalysisResult } from '../../analyzer/model.js';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { createDeobfuscator } from '../../shared/obfuscate/deobfuscate.js';
import { readMapping } from '../../shared/obfuscate/mapping.js';
import { prepareObfuscation } from '../../shared/obfuscate/obfuscator.js';
import { redactBundle } from '../../shared/redact/redact-bundle.js';
import { tempDir } from '../helpers/tmp.js';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
const samples = (await readdir(SAMPLES)).filter((f) => f.endsWith('.tgz')).sort();

const shape = (r: AnalysisResult) => ({
  diagnoses: r.diagnoses.map((d) => `${d.ruleId} ${d.severity} ${d.confidence}`).sort(),
  findings: r.findings.map((f) => `${f.ruleId} ${f.severity} ${f.confidence} ${f.cni}`).sort(),
  inconclusive: r.inconclusive.map((i) => i.ruleId).sort(),
});

describe('analyzing a sample and its pseudonymized twin gives the same findings, mapped', async () => {
  const dir = await tempDir('cni-evidence-obfuscate-samples-');

  it.each(samples.map((s) => [s]))('%s', async (sample) => {
    const input = join(SAMPLES, sample);
    // A new random key per sample: the property must hold for any key.
    const setup = await prepareObfuscation({ keyFile: join(dir, `${sample}.key`) });
    const out = await redactBundle(input, join(dir, sample), { obfuscation: setup });
    const [real, twin] = [await analyzeBundle(input), await analyzeBundle(out.path)];

    expect(twin.bundle.obfuscated).toBe(true);
    expect(shape(twin)).toEqual(shape(real));

    // Every node, pod and finding id of the twin maps back to the original's.
    const mapping = (await readMapping(setup.mappingFile))!;
    const back = createDeobfuscator(mapping, setup.key.key);
    const restore = (s: string) => back.text(s);
    expect(twin.findings.map((f) => restore(f.id)).sort()).toEqual(real.findings.map((f) => f.id).sort());
    expect(twin.diagnoses.map((d) => `${d.pod && restore(d.pod)} ${d.node && restore(d.node)} ${restore(d.findingId)}`).sort()).toEqual(real.diagnoses.map((d) => `${d.pod} ${d.node} ${d.findingId}`).sort());
    for (const f of twin.findings) {
      const original = real.findings.find((o) => o.id === restore(f.id))!;
      expect(f.scope.nodes.map(restore).sort()).toEqual([...original.scope.nodes].sort());
      expect(f.scope.pods.map(restore).sort()).toEqual([...original.scope.pods].sort());
    }
    expect(twin.bundle.nodes.map(restore).sort()).toEqual([...real.bundle.nodes].sort());

    // No mapped real name is left as a whole label anywhere: files, paths, manifest.
    const { result, files } = await readBundleTexts(out.path);
    const text = [JSON.stringify(result.manifest), ...files.keys(), ...files.values()].join('\n');
    const leaked = mapping.names.filter((e) => new RegExp(`(?<![A-Za-z0-9-])${e.real.replace(/[.]/g, '\\.')}(?![A-Za-z0-9-])`).test(text));
    expect(leaked).toEqual([]);
    expect(mapping.names.length + mapping.addresses.length).toBeGreaterThan(0);
  });
});
