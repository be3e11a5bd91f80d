import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDeobfuscator } from '../../shared/obfuscate/deobfuscate.js';
import { NameDiscovery } from '../../shared/obfuscate/discover.js';
import { emptyMapping } from '../../shared/obfuscate/mapping.js';
import { Obfuscator } from '../../shared/obfuscate/obfuscator.js';
import { keyIdOf } from '../../shared/obfuscate/key.js';

function obfuscator(key = randomBytes(32)): Obfuscator {
  return new Obfuscator({ key: { key, keyId: keyIdOf(key), file: '/dev/null', created: false }, mappingFile: '/dev/null', mapping: emptyMapping(keyIdOf(key)) });
}

function registered(o: Obfuscator) {
  const discovery = new NameDiscovery();
  discovery.object({
    kind: 'PodList',
    items: [
      { kind: 'Pod', metadata: { name: 'payroll-api-7r2rngql75-6w8j6', namespace: 'acme-payroll', ownerReferences: [{ kind: 'ReplicaSet', name: 'payroll-api-7r2rngql75' }] }, spec: { nodeName: 'worker-17.acme.corp', containers: [{ name: 'payroll-api' }, { name: 'istio-proxy' }] } },
      { kind: 'Pod', metadata: { name: 'ledger-0', namespace: 'acme-payroll' }, spec: { nodeName: 'ip-10-0-1-5.ec2.internal', containers: [{ name: 'ledger' }] } },
      { kind: 'Pod', metadata: { name: 'kube-flannel-ds-x7k2p', namespace: 'kube-flannel' }, spec: { nodeName: 'worker-17.acme.corp', containers: [{ name: 'kube-flannel' }] } },
      { kind: 'Pod', metadata: { name: 'etcd-worker-17.acme.corp', namespace: 'kube-system' }, spec: { nodeName: 'worker-17.acme.corp', containers: [{ name: 'etcd' }] } },
      { kind: 'Pod', metadata: { name: 'coredns-668d6bf9bc-xwq8p', namespace: 'kube-system' }, spec: { nodeName: 'ip-10-0-1-5.ec2.internal', containers: [{ name: 'coredns' }] } },
    ],
  });
  discovery.object({ kind: 'NodeList', items: [{ kind: 'Node', metadata: { name: 'worker-17.acme.corp' }, status: { addresses: [{ type: 'Hostname', address: 'worker-17' }] } }, { kind: 'Node', metadata: { name: 'ip-10-0-1-5.ec2.internal' } }] });
  o.register(discovery.names);
  return discovery.names;
}

describe('name pseudonyms', () => {
  const o = obfuscator();
  registered(o);
  const map = (s: string) => o.line(s);

  it('maps customer names, keeps the shape of generated names, and keeps public components', () => {
    const pod = map('payroll-api-7r2rngql75-6w8j6');
    expect(pod).toMatch(/^w-[a-z0-9]+-7r2rngql75-6w8j6$/);
    expect(pod).not.toContain('payroll');
    expect(map('payroll-api-7r2rngql75')).toBe(pod.replace(/-6w8j6$/, ''));
    expect(map('ledger-0')).toMatch(/^w[a-z0-9-]+-0$/);
    expect(map('kube-flannel-ds-x7k2p')).toBe('kube-flannel-ds-x7k2p');
    expect(map('coredns-668d6bf9bc-xwq8p')).toBe('coredns-668d6bf9bc-xwq8p');
    expect(map('kube-system/coredns-668d6bf9bc-xwq8p default')).toBe('kube-system/coredns-668d6bf9bc-xwq8p default');
    expect(map('acme-payroll')).toMatch(/^ns-[a-z0-9]+$/);
  });

  it('maps node names label by label, keeps provider suffixes, and maps AWS ip- names through the address map', () => {
    const node = map('worker-17.acme.corp');
    const [short, domain, tld] = node.split('.');
    expect(short).toMatch(/^n-[a-z0-9]{7}$/);
    expect(domain).toMatch(/^d-[a-z0-9]+$|^d[a-z0-9]+$/);
    expect(tld).toBe('corp');
    expect(map('worker-17')).toBe(short);
    expect(map('etcd-worker-17.acme.corp')).toBe(`etcd-${node}`);
    const aws = map('ip-10-0-1-5.ec2.internal');
    expect(aws).toBe(`ip-${o.addresses.mapV4Text('10.0.1.5')!.replace(/\./g, '-')}.ec2.internal`);
    expect(map('host ip-10-0-1-5 has 10.0.1.5')).toBe(`host ${aws.split('.')[0]} has ${o.addresses.mapV4Text('10.0.1.5')}`);
  });

  it('keeps the length of a name where it can (column-aligned tables stay aligned)', () => {
    expect(map('worker-17').length).toBe('worker-17'.length);
    expect(map('acme-payroll').length).toBe('acme-payroll'.length);
    const header = 'NAMESPACE      NAME                              READY   STATUS    IP           NODE';
    const row = 'acme-payroll   payroll-api-7r2rngql75-6w8j6      0/1     Pending   10.0.9.7     worker-17';
    const out = map(row);
    expect(out.indexOf('0/1')).toBe(row.indexOf('0/1'));
    expect(out.indexOf('Pending')).toBe(header.indexOf('STATUS'));
  });

  it('maps names in every context: JSON, klog, paths, Calico endpoint names, escaped JSON strings', () => {
    const pod = map('payroll-api-7r2rngql75-6w8j6');
    const ns = map('acme-payroll');
    const node = map('worker-17');
    expect(map('"pod="acme-payroll/payroll-api-7r2rngql75-6w8j6""')).toBe(`"pod="${ns}/${pod}""`);
    expect(map('cluster/logs/acme-payroll/payroll-api-7r2rngql75-6w8j6/payroll-api.log')).toBe(`cluster/logs/${ns}/${pod}/${map('payroll-api')}.log`);
    expect(map('payroll-api-7r2rngql75-6w8j6_acme-payroll(96603d4d-fddd-0a0c-5450-8001fb4ef027)')).toBe(`${pod}_${ns}(96603d4d-fddd-0a0c-5450-8001fb4ef027)`);
    expect(map('WorkloadEndpoint="worker--17-k8s-payroll--api--7r2rngql75--6w8j6-eth0"')).toBe(`WorkloadEndpoint="${node.replace(/-/g, '--')}-k8s-${pod.replace(/-/g, '--')}-eth0"`);
    expect(map('"msg": "a\\nworker-17\\n10.0.1.5"')).toBe(`"msg": "a\\n${node}\\n${o.addresses.mapV4Text('10.0.1.5')}"`);
  });

  it('leaves the words the analyzer reads alone', () => {
    const line = '6: vethbd32211d@if2: <BROADCAST,MULTICAST,UP> mtu 1450 qdisc noqueue master cni0 state UP group default';
    expect(map(line)).toBe(line);
    const sandbox = 'podSandboxID="f33ee2f936c98c3764cdbcc1e0beeb83b60580e60507932e07bc882210906844" plugin type="bridge" failed (add)';
    expect(map(sandbox)).toBe(sandbox);
  });

  it('gives the same pseudonyms for one key across runs (and other ones for another key)', () => {
    const key = randomBytes(32);
    const a = obfuscator(key);
    const b = obfuscator(Buffer.from(key));
    registered(a);
    registered(b);
    const sample = 'payroll-api-7r2rngql75-6w8j6 worker-17.acme.corp acme-payroll 10.0.9.7 fd00:10:244:1::5';
    expect(b.line(sample)).toBe(a.line(sample));
    const c = obfuscator();
    registered(c);
    expect(c.line(sample)).not.toBe(a.line(sample));
  });

  it('is undone by the deobfuscator, names from the table and addresses from the key', () => {
    const key = randomBytes(32);
    const ob = obfuscator(key);
    registered(ob);
    const text = 'Pod acme-payroll/payroll-api-7r2rngql75-6w8j6 on worker-17.acme.corp (10.0.9.7, fd00:10:244:1::5): cni0 holds 10.244.5.1/24, outside 10.244.1.0/24';
    const obfuscated = ob.line(text);
    expect(obfuscated).not.toContain('payroll');
    const mapping = { ...emptyMapping(keyIdOf(key)), names: ob.names.entries(), addresses: [...ob.text.addresses].map(([real, pseudonym]) => ({ real, pseudonym })) };
    expect(createDeobfuscator(mapping).text(obfuscated)).toBe(text);
    // A network the analyzer computed is not in the table: the key restores it.
    const computed = ob.line('10.244.5.0/24');
    expect(createDeobfuscator(mapping, key).text(computed)).toBe('10.244.5.0/24');
  });
});

describe('name discovery in node-only bundles', () => {
  it('finds pods and namespaces in kubelet, containerd and libcni lines, and the journal host', () => {
    const d = new NameDiscovery();
    d.line('2026-11-26T11:36:43+0000 lab-node-1 kubelet[2491]: E1126 "CreatePodSandbox for pod failed" pod="team-a/web-1" podUID="x"', { journal: true, describe: false });
    d.line('containerd[1]: msg="RunPodSandbox for &PodSandboxMetadata{Name:api-5d9c7b8f4-k2x9q,Uid:1,Namespace:team-b,Attempt:0,} failed"', { journal: false, describe: false });
    d.line('I1126 pod_workers.go:1300] "Error syncing pod" err="for \\"db-0_team-c(96603d4d-fddd-0a0c-5450-8001fb4ef027)\\""', { journal: false, describe: false });
    d.line('I1126 kubelet.go:2400] "SyncLoop ADD" source="api" pods=["team-d/cache-1","team-d/cache-2"]', { journal: false, describe: false });
    d.cniCache({ cniArgs: [['K8S_POD_NAMESPACE', 'team-e'], ['K8S_POD_NAME', 'etl-0']] });
    expect([...d.names.pods].sort()).toEqual(['api-5d9c7b8f4-k2x9q', 'cache-1', 'cache-2', 'db-0', 'etl-0', 'web-1']);
    expect([...d.names.namespaces].sort()).toEqual(['team-a', 'team-b', 'team-c', 'team-d', 'team-e']);
    expect([...d.names.hosts]).toEqual(['lab-node-1']);
  });
});
