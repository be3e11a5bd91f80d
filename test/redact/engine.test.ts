import { Readable } from 'node:stream';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { createRedactionTransform, redactText } from '../../shared/redact/engine.js';
import { createRedactionFilter } from '../../shared/redact/filter.js';
import { createLineTransform } from '../../shared/redact/lines.js';
import { tempDir } from '../helpers/tmp.js';
import { cutAt } from '../helpers/bytes.js';

async function through(chunks: Buffer[]): Promise<{ out: Buffer; counts: Record<string, number> }> {
  const { transform, counts } = createRedactionTransform();
  const parts: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    transform.on('data', (d: Buffer) => parts.push(d));
    transform.on('end', resolve);
    transform.on('error', reject);
  });
  Readable.from(chunks).pipe(transform);
  await done;
  return { out: Buffer.concat(parts), counts: counts() };
}

const DOCUMENT = [
  'apiVersion: v1',
  'users:',
  '- name: admin',
  '  user:',
  '    token: kct-8f14e45fceea167a5a36dedd',
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEpAIBAAKCAQEAx7abcdefghijklmnopqrstuv',
  'ZZZZ0123456789abcdefghijklmnopqrstuvwxyz==',
  '-----END RSA PRIVATE KEY-----',
  'level=info msg="ok" password=hunter2hunter2',
  'inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0\r',
  '',
].join('\n');

describe('the streaming engine', () => {
  it('gives the same bytes and counts however the stream is cut (a PEM block across chunks included)', async () => {
    const whole = Buffer.from(DOCUMENT);
    const expected = await through([whole]);
    expect(expected.out.toString()).toBe(redactText(DOCUMENT).text);
    expect(expected.counts).toEqual({ 'env-and-config-by-name': 1, 'kubeconfig-credentials': 1, 'pem-private-key': 1 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        const got = await through(cutAt(whole, cuts));
        expect(got.out.equals(expected.out)).toBe(true);
        expect(got.counts).toEqual(expected.counts);
      }),
      { numRuns: 150 },
    );
  });

  it('passes untouched lines through byte for byte: CRLF, invalid UTF-8, no final newline', async () => {
    const bytes = Buffer.concat([Buffer.from('plain line\r\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from('caf\u00e9 10.0.0.1'), Buffer.from('\npassword=zzzzzzzz\r\nlast')]);
    const { out } = await through([bytes]);
    expect(out.toString('latin1')).toBe(bytes.toString('latin1').replace('password=zzzzzzzz', 'password=<redacted:env-and-config-by-name>'));
    expect(out.subarray(0, 16).equals(bytes.subarray(0, 16))).toBe(true);
  });

  it('keeps memory bounded on a line with no newline: it is rewritten in pieces cut at separators', async () => {
    const seen: number[] = [];
    const transform = createLineTransform((line) => {
      seen.push(line.length);
      return line;
    }, 64 * 1024);
    const piece = 'x'.repeat(1000) + ' ';
    const chunks = Array.from({ length: 400 }, () => Buffer.from(piece));
    const parts: Buffer[] = [];
    transform.on('data', (d: Buffer) => parts.push(d));
    const done = new Promise((resolve) => transform.on('end', resolve));
    Readable.from(chunks).pipe(transform);
    await done;
    expect(Buffer.concat(parts).length).toBe(piece.length * 400);
    expect(Math.max(...seen)).toBeLessThanOrEqual(64 * 1024);
    expect(seen.length).toBeGreaterThan(5);
  });
});

describe('the writer filter (collection)', async () => {
  const dir = await tempDir('cni-evidence-filter-');

  it('redacts every artifact, the manifest argv, options and stderr, and writes per-file counts and totals', async () => {
    const writer = await BundleWriter.create(join(dir, 'collected.tgz'), {
      mode: 'node',
      request: { namespaces: [], pods: [], nodes: ['node-1'], options: { apiToken: 'opts-123456789', hostRoot: '/host' }, argv: ['collect', '--token', 'argv-123456789', '--kubeconfig=/root/.kube/config'] },
      redaction: { enabled: true },
      filter: createRedactionFilter(),
    });
    await writer.write({ path: 'nodes/node-1/journal/kubelet.log', source: { kind: 'command', argv: ['journalctl', '-u', 'kubelet'] }, node: 'node-1', stderrExcerpt: 'Authorization: Bearer stderr1234567890abcd' }, 'E1122 x.go:1] "failed" password=pw-123456789\n');
    await writer.write({ path: 'nodes/node-1/cni/net.d/10-flannel.conflist', source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' }, node: 'node-1' }, '{"name":"cbr0","type":"flannel"}\n');
    writer.record({ path: 'nodes/node-1/cri/info.json', source: { kind: 'command', argv: ['crictl', 'info'] }, node: 'node-1', status: 'failed', error: 'dial unix: token=err-123456789 refused' });
    const { manifest } = await writer.finalize();
    const text = JSON.stringify(manifest);
    for (const secret of ['opts-123456789', 'argv-123456789', 'stderr1234567890abcd', 'err-123456789']) expect(text).not.toContain(secret);
    expect(manifest.request.argv).toEqual(['collect', '--token', '<redacted:env-and-config-by-name>', '--kubeconfig=/root/.kube/config']);
    expect(manifest.request.options).toEqual({ apiToken: '<redacted:env-and-config-by-name>', hostRoot: '/host' });
    expect(manifest.artifacts[0]!.redactions).toEqual({ 'env-and-config-by-name': 1 });
    expect(manifest.artifacts[1]!.redactions).toBeUndefined();
    expect(manifest.redaction).toEqual({ enabled: true, totals: { 'bearer-header': 1, 'env-and-config-by-name': 4 } });
    const { files, result } = await readBundleTexts(join(dir, 'collected.tgz'));
    expect(result.integrity.ok).toBe(true);
    expect(files.get('nodes/node-1/journal/kubelet.log')).toBe('E1122 x.go:1] "failed" password=<redacted:env-and-config-by-name>\n');
  });

  it('with redact: false writes the bytes as they are and says the bundle is not redacted', async () => {
    const writer = await BundleWriter.create(join(dir, 'raw.tgz'), { mode: 'node', request: { namespaces: [], pods: [], nodes: ['n'], options: {} }, redaction: { enabled: false }, filter: createRedactionFilter({ redact: false }) });
    await writer.write({ path: 'nodes/n/journal/kubelet.log', source: { kind: 'hand' }, node: 'n' }, 'password=pw-123456789\n');
    const { manifest } = await writer.finalize();
    expect(manifest.redaction).toEqual({ enabled: false });
    expect((await readBundleTexts(join(dir, 'raw.tgz'))).files.get('nodes/n/journal/kubelet.log')).toBe('password=pw-123456789\n');
  });
});
