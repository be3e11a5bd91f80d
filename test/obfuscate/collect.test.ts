import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { collectionPrivacy } from '../../shared/redact/privacy.js';
import { tempDir } from '../helpers/tmp.js';

async function collectInto(path: string, writerOptions: Awaited<ReturnType<typeof collectionPrivacy>>['writer']): Promise<void> {
  const writer = await BundleWriter.create(path, { mode: 'node', request: { namespaces: [], pods: [], nodes: ['worker-17'], options: {}, argv: ['collect', '--node-only', '--node-name', 'worker-17'] }, ...writerOptions });
  await writer.write({ path: 'nodes/worker-17/journal/kubelet.log', source: { kind: 'command', argv: ['journalctl', '-u', 'kubelet'] }, node: 'worker-17' }, '2026-11-22T10:15:00+0000 worker-17 kubelet[1]: E1122 "failed" pod="payments/ledger-0" password=pw-123456789 ip=10.0.3.7\n');
  await writer.finalize();
}

describe('the collect wiring (shared/redact/privacy.ts)', async () => {
  const dir = await tempDir('cni-evidence-privacy-');

  it('redacts by default and writes straight to the output', async () => {
    const privacy = await collectionPrivacy(join(dir, 'plain.tgz'), {});
    expect(privacy.collectTo).toBe(join(dir, 'plain.tgz'));
    await collectInto(privacy.collectTo, privacy.writer);
    expect(await privacy.finish()).toBeNull();
    const { result, files } = await readBundleTexts(join(dir, 'plain.tgz'));
    expect(result.manifest.redaction).toEqual({ enabled: true, totals: { 'env-and-config-by-name': 1 } });
    expect(files.get('nodes/worker-17/journal/kubelet.log')).toContain('password=<redacted:env-and-config-by-name> ip=10.0.3.7');
  });

  it('--no-redact keeps the bytes and says so', async () => {
    const privacy = await collectionPrivacy(join(dir, 'raw.tgz'), { redact: false });
    expect(privacy.writer.filter).toBeUndefined();
    await collectInto(privacy.collectTo, privacy.writer);
    const { result } = await readBundleTexts(join(dir, 'raw.tgz'));
    expect(result.manifest.redaction).toEqual({ enabled: false });
  });

  it('--obfuscate collects into a temporary bundle, pseudonymizes it into the output, and removes the temporary one', async () => {
    const out = join(dir, 'obfuscated.tgz');
    const privacy = await collectionPrivacy(out, { obfuscate: true, obfuscationKeyFile: join(dir, 'k', 'cluster.key') });
    expect(privacy.collectTo).not.toBe(out);
    await collectInto(privacy.collectTo, privacy.writer);
    const result = await privacy.finish();
    expect(result?.path).toBe(out);
    await expect(stat(privacy.collectTo)).rejects.toThrow();
    const { result: read, files } = await readBundleTexts(out);
    expect(read.manifest.redaction).toMatchObject({ enabled: true, obfuscated: true, keyId: privacy.obfuscation!.key.keyId, totals: { 'env-and-config-by-name': 1 } });
    const text = [JSON.stringify(read.manifest), ...files.keys(), ...files.values()].join('\n');
    for (const real of ['worker-17', 'payments', 'ledger', '10.0.3.7', 'pw-123456789']) expect(text).not.toContain(real);
    expect(read.manifest.request.argv?.join(' ')).toMatch(/^collect --node-only --node-name n-[a-z0-9]{7}$/);
  });

  it('maps the kubeconfig context whole (an EKS ARN names the account and the cluster)', async () => {
    const context = 'arn:aws:eks:us-west-2:123456789012:cluster/payments-prod';
    const out = join(dir, 'context.tgz');
    const privacy = await collectionPrivacy(out, { obfuscate: true, obfuscationKeyFile: join(dir, 'k', 'cluster.key') });
    const writer = await BundleWriter.create(privacy.collectTo, { mode: 'cluster', request: { namespaces: [], pods: [], nodes: [], context, options: {}, argv: ['collect', '--context', context] }, ...privacy.writer });
    await writer.finalize();
    await privacy.finish();
    const { result: read } = await readBundleTexts(out);
    expect(JSON.stringify(read.manifest)).not.toMatch(/123456789012|payments-prod/);
    expect(read.manifest.request.context).toMatch(/^ctx-[a-z0-9]+$/);
    expect(read.manifest.request.argv).toEqual(['collect', '--context', read.manifest.request.context]);
  });

  it('a bad key fails before anything is collected', async () => {
    await expect(collectionPrivacy(join(dir, 'never.tgz'), { obfuscate: true, obfuscationKeyFile: '/dev/null' })).rejects.toMatchObject({ code: 'E_KEY_INVALID' });
  });
});
