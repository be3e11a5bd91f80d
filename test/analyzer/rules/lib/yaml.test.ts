/**
 * analyzer/rules/lib/yaml.ts reads kubeadm's ClusterConfiguration without the yaml package when
 * the document is in a small, regular subset. Whatever it accepts must be exactly what yaml.parse
 * returns (and yaml must not throw on it); everything else goes to yaml itself.
 */
import { readdir } from 'node:fs/promises';
import fc from 'fast-check';
import { list as listTar } from 'tar';
import { describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { NOT_SIMPLE, parseYaml, simpleYaml } from '../../../../analyzer/rules/lib/yaml.js';

type Outcome = { value: unknown } | { throws: true };
const outcome = (parse: () => unknown): Outcome => {
  try {
    return { value: parse() };
  } catch {
    return { throws: true };
  }
};

/** The subset reader's answer agrees with yaml's, when it answers; returns whether it did. */
function agrees(text: string): boolean {
  const simple = simpleYaml(text);
  const reference = outcome(() => yamlParse(text));
  expect(outcome(() => parseYaml(text)), JSON.stringify(text)).toEqual(reference);
  if (simple === NOT_SIMPLE) return false;
  expect(reference, JSON.stringify(text)).toEqual({ value: simple });
  return true;
}

/** Every ConfigMap value in the shipped samples (kubeadm ClusterConfiguration, kube-proxy config.conf, …). */
async function sampleConfigMapTexts(): Promise<{ name: string; text: string }[]> {
  const dir = new URL('../../../../samples/', import.meta.url);
  const out: { name: string; text: string }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tgz')).sort()) {
    const chunks = new Map<string, Buffer[]>();
    await listTar({
      file: new URL(file, dir).pathname,
      onReadEntry: (entry) => {
        if (!/\/cluster\/configmaps\/.*\.json$/.test(entry.path)) return entry.resume();
        const list: Buffer[] = [];
        chunks.set(entry.path, list);
        entry.on('data', (c: Buffer) => list.push(c));
      },
    });
    for (const [path, list] of chunks) {
      const data = (JSON.parse(Buffer.concat(list).toString('utf8')) as { data?: Record<string, string> }).data ?? {};
      for (const [key, text] of Object.entries(data)) out.push({ name: `${file} ${path.replace(/.*\/configmaps\//, '')} ${key}`, text });
    }
  }
  return out;
}

const KUBEADM_V1BETA3 = `apiServer:
  extraArgs:
    authorization-mode: Node,RBAC
  timeoutForControlPlane: 4m0s
apiVersion: kubeadm.k8s.io/v1beta3
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: 10.0.0.10:6443
controllerManager: {}
dns: {}
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: v1.28.15
networking:
  dnsDomain: cluster.local
  podSubnet: 10.244.0.0/16,fd00:10:244::/56
  serviceSubnet: 10.96.0.0/12
scheduler: {}
`;

describe('rules YAML', () => {
  it('reads the kubeadm ClusterConfiguration of every shipped sample without the yaml package, as yaml does', async () => {
    const texts = await sampleConfigMapTexts();
    const kubeadm = texts.filter((t) => t.name.includes('kubeadm-config') && t.name.endsWith('ClusterConfiguration'));
    expect(kubeadm.length).toBeGreaterThan(10);
    for (const { name, text } of kubeadm) expect(agrees(text), name).toBe(true);
    // The other ConfigMaps (kube-proxy's config.conf has quotes and numbers): yaml's answer either way.
    for (const { text } of texts) agrees(text);
  });

  it('reads kubeadm v1beta3 output (extraArgs map, dual-stack podSubnet) without the yaml package', () => {
    expect(agrees(KUBEADM_V1BETA3)).toBe(true);
    expect((parseYaml(KUBEADM_V1BETA3) as { networking: { podSubnet: string } }).networking.podSubnet).toBe('10.244.0.0/16,fd00:10:244::/56');
  });

  it.each([
    ['numbers', 'networking:\n  podSubnet: 10\n'],
    ['hex and exponents', 'a: 0x1F\nb: 1e3\n'],
    ['booleans and null', 'a: true\nb: null\nc: ~\n'],
    ['a null key', 'null: x\n'],
    ['quotes', 'a: "10.244.0.0/16"\n'],
    ['a comment', 'a: b # note\n'],
    ['a list', 'certSANs:\n- a\n- b\n'],
    ['duplicate keys (yaml throws)', 'a: x\na: y\n'],
    ['inconsistent indentation (yaml throws)', 'a:\n  b: c\n d: e\n'],
    ['a scalar ending in a colon (yaml throws)', 'a: b:\n'],
    ['an indented root', '  a: b\n'],
    ['CRLF line ends', 'a: b\r\nc: d\r\n'],
    ['a blank line', 'a: b\n\nc: d\n'],
    ['a document marker', '---\na: b\n'],
    ['nothing', ''],
  ])('leaves %s to yaml', (_what, text) => {
    expect(simpleYaml(text)).toBe(NOT_SIMPLE);
    agrees(text);
  });

  it('agrees with yaml on generated documents, in and around the subset', () => {
    const key = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom('apiVersion', 'kind', 'networking', 'podSubnet', 'serviceSubnet', 'dnsDomain', 'etcd', 'local', 'dataDir', 'dns', 'extraArgs', 'authorization-mode', 'constructor', 'toString', 'a', 'b') },
      { weight: 1, arbitrary: fc.constantFrom('null', 'Null', 'true', 'yes', 'on', 'y', '~', '-a', 'a b', '"a"', 'a#b', '<<', '__proto__', 'e1', '1a', '') },
    );
    const value = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('10.244.0.0/16', 'fd00::/56', '10.96.0.0/12,fd00:96::/112', 'v1.32.4', 'kubeadm.k8s.io/v1beta4', '/var/lib/etcd', '192.168.56.11:6443', 'Node,RBAC', '87600h0m0s', 'RSA-2048', 'cluster.local', 'a:b', 'a::b', 'http://x:1/y', 'b_c', 'x/', '1.2.3', 'vX', '{}', '[]') },
      { weight: 1, arbitrary: fc.constantFrom('10', '-1', '+1', '0x1F', '0o17', '1e3', '1_000', '.inf', '-.inf', '.nan', '1.5', '10.244.0.0', 'cafe', 'true', 'False', 'NULL', '~', 'yes', 'off', 'a:', 'a: b', '"q"', "'q'", 'a #c', '- a', '&x a', '*x', '{a: 1}', '[a]', '|', '>', '@a', '`a', '%a', 'a\tb', 'a ', '') },
    );
    type Entry = { key: string; value: string | Entry[] | null };
    const { mapping } = fc.letrec<{ mapping: Entry[]; entry: Entry }>((tie) => ({
      mapping: fc.array(tie('entry'), { minLength: 1, maxLength: 5 }),
      entry: fc.record({ key, value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, value, fc.constant(null), tie('mapping')) }),
    }));
    const render = (entries: Entry[], indent: string, step: string): string[] =>
      entries.flatMap((e) => (Array.isArray(e.value) ? [`${indent}${e.key}:`, ...render(e.value, indent + step, step)] : [`${indent}${e.key}:${e.value === null ? '' : ` ${e.value}`}`]));
    const noise = fc.constantFrom('', '# comment', '- item', '---', '  ', '\ta: b', 'a: b\r', ' x: y', '    deep: z', 'a', ': b');
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(mapping, fc.constantFrom('  ', '    ', ' '), fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), noise), { minLength: 1, maxLength: 2 }) }), fc.boolean(), (entries, step, inserts, trailingNewline) => {
        const lines = render(entries, '', step);
        for (const [at, line] of inserts) lines.splice(at % (lines.length + 1), 0, line);
        total += 1;
        if (agrees(lines.join('\n') + (trailingNewline ? '\n' : ''))) accepted += 1;
      }),
      { numRuns: 2000 },
    );
    // Both paths must be well exercised for the comparison to mean something.
    expect(accepted).toBeGreaterThan(total / 10);
    expect(total - accepted).toBeGreaterThan(total / 10);
  });
});
