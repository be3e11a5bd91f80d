import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../../cli/commands/collect.js';
import { jsonText, kubectlList, kubectlListStream } from '../../../collector/cluster/context.js';
import { humanDuration } from '../../../collector/cluster/describe.js';
import { newRunId, nodePodName, nodePodSpec } from '../../../collector/cluster/fan-out.js';
import { looksLikeOwnNodePod } from '../../../collector/cluster/scope.js';
import { redactText } from '../../../shared/redact/engine.js';

describe('list JSON as kubectl -o json writes it', () => {
  const list = { metadata: { resourceVersion: '42', continue: '' }, items: [{ metadata: { name: 'a', managedFields: [{ manager: 'kubectl' }] }, spec: { x: [1, { y: 'z' }] } }, { metadata: { name: 'b' }, status: {} }] };

  it('streams the same bytes as one JSON.stringify, items typed, managedFields dropped', async () => {
    const streamed = await text(kubectlListStream(list, 'Pod', 'v1'));
    expect(streamed).toBe(jsonText(kubectlList(list, 'Pod', 'v1')));
    const parsed = JSON.parse(streamed) as { kind: string; items: Array<Record<string, unknown>> };
    expect(parsed.kind).toBe('PodList');
    expect(Object.keys(parsed.items[0]!).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    expect(parsed.items[0]).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { x: [1, { y: 'z' }] } });
    expect(await text(kubectlListStream({ items: [] }, 'Event', 'v1'))).toBe(jsonText(kubectlList({ items: [] }, 'Event', 'v1')));
  });
});

describe('ConfigMap redaction (the shared engine the bundle writer applies)', () => {
  it('replaces secret values, keeps network facts, and counts', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cilium-config', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"clustermesh-token":"s3cr3t","ipv4-native-routing-cidr":"10.0.0.0/8"}}' } },
      data: {
        'clustermesh-token': 's3cr3t',
        'ipv4-native-routing-cidr': '10.0.0.0/8',
        'etcd-config': 'endpoints:\n- https://etcd:2379\ntrusted-ca-file: /ca\nkey-file: /etc/key.pem\npassword: hunter2\n',
        'cni.json': '{\n  "name": "cbr0",\n  "apiKey": "abc",\n  "token": ""\n}',
      },
    };
    const { text: out, counts } = redactText(jsonText(cm));
    expect(out).not.toContain('s3cr3t');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('"apiKey": "abc"');
    expect(out).toContain('10.0.0.0/8');
    expect(out).toContain('https://etcd:2379');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    expect(cm.data['clustermesh-token']).toBe('s3cr3t');
  });
});

describe('the node pod', () => {
  it('is privileged, on the host namespaces and root, pinned, tolerating everything, and ends itself', () => {
    const spec = nodePodSpec('node-2', { namespace: 'kube-system', image: 'busybox:1.36', runId: 'bcd23', deadlineSeconds: 180 }) as { metadata: Record<string, any>; spec: Record<string, any> };
    expect(spec.metadata).toMatchObject({ name: 'cni-evidence-node-2-bcd23', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'cni-evidence', 'cni-evidence.io/run': 'bcd23' } });
    expect(spec.spec).toMatchObject({
      nodeName: 'node-2',
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      activeDeadlineSeconds: 180,
      automountServiceAccountToken: false,
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
    });
    expect(spec.spec.containers[0]).toMatchObject({ image: 'busybox:1.36', command: ['sleep', '180'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] });
  });

  it('has a valid name for any node name', () => {
    const long = `ip-10-0-12-34.eu-central-1.compute.internal-${'x'.repeat(60)}`;
    for (const node of ['node-2', 'Worker_7', long, 'ip-10-0-12-34.eu-central-1.compute.internal']) {
      const name = nodePodName(node, 'bcd23');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.endsWith('-bcd23')).toBe(true);
    }
    expect(nodePodName(long, 'bcd23')).not.toBe(nodePodName(`${long}y`, 'bcd23'));
    // Scope discovery recognizes every name it makes (to stay quiet about its own gone pods).
    for (const node of ['node-2', long]) expect(looksLikeOwnNodePod(nodePodName(node, newRunId()))).toBe(true);
  });
});

describe('durations and sizes', () => {
  it('prints ages like apimachinery HumanDuration', () => {
    const s = 1000;
    expect([59 * s, 119 * s, 120 * s, 9 * 60 * s + 5 * s, 10 * 60 * s, 179 * 60 * s, 3 * 3600 * s, 7 * 3600 * s + 59 * 60 * s, 47 * 3600 * s, 4 * 86400 * s + 3600 * s, 8 * 86400 * s, 800 * 86400 * s, 9 * 365 * 86400 * s].map(humanDuration)).toEqual([
      '59s', '119s', '2m', '9m5s', '10m', '179m', '3h', '7h59m', '47h', '4d1h', '8d', '2y70d', '9y',
    ]);
  });

  it('reads kubectl-style durations and Kubernetes sizes', () => {
    expect([parseDuration('90', '--x'), parseDuration('1h30m', '--x'), parseDuration('250ms', '--x')]).toEqual([90_000, 5_400_000, 250]);
    expect([parseSize('8Mi', '--x'), parseSize('500k', '--x'), parseSize('1024', '--x')]).toEqual([8 * 1024 * 1024, 500_000, 1024]);
    expect(() => parseDuration('2 hours', '--since')).toThrow('--since "2 hours" is not a duration');
  });
});
