import { describe, expect, it } from 'vitest';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { addCalicoNode, onlyStuckPodFails } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, run, type Row } from './lib/rows.js';

const RULE = 'mtu-mismatch';
const IP = { kind: 'command' as const, argv: ['ip', '-d', 'addr', 'show'] };

/** node-2 running Calico VXLAN (vxlan.calico, cali* veths) on a NIC of `eth0` bytes. */
function calicoVxlanLinks(eth0: number, mtu: number): string {
  return `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${eth0} qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:12 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 
    inet 192.168.56.12/24 brd 192.168.56.255 scope global eth0
       valid_lft forever preferred_lft forever
5: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UNKNOWN group default 
    link/ether 66:2b:1e:4d:8c:0a brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 
    vxlan id 4096 local 192.168.56.12 dev eth0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx 
    inet 10.244.1.0/32 scope global vxlan.calico
       valid_lft forever preferred_lft forever
7: cali1a2b3c4d5e6@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UP group default 
    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-5a0e2c4e-9f0b-4c59-8d1e-2b7f0a3c9d11 promiscuity 0 minmtu 68 maxmtu 65535 
    veth 
    inet6 fe80::ecee:eeff:feee:eeee/64 scope link 
       valid_lft forever preferred_lft forever
`;
}

const CALICO_CONFLIST = (mtu: number) => `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "node-2",
      "mtu": ${mtu},
      "ipam": { "type": "calico-ipam" },
      "policy": { "type": "k8s" },
      "kubernetes": { "kubeconfig": "/etc/cni/net.d/calico-kubeconfig" }
    },
    { "type": "portmap", "snat": true, "capabilities": { "portMappings": true } },
    { "type": "bandwidth", "capabilities": { "bandwidth": true } }
  ]
}
`;

function calicoOnNode2(kit: SampleKit, eth0: number, mtu: number): void {
  kit.heal();
  const n = kit.node('node-2');
  n.netD = new Map([['10-calico.conflist', CALICO_CONFLIST(mtu)]]);
  n.subnetEnv = null;
  n.set('net/ip-addr.txt', calicoVxlanLinks(eth0, mtu), IP);
  n.set('net/ip-link.txt', calicoVxlanLinks(eth0, mtu).split('\n').filter((l) => !/^\s+(inet|valid_lft)/.test(l)).join('\n'), { kind: 'command', argv: ['ip', '-d', 'link', 'show'] });
  kit.fixture.configMaps.push({
    metadata: { name: 'calico-config', namespace: 'kube-system', uid: '0c8f1f55-7a3e-4b51-9d0e-6f1a2b3c4d5e', resourceVersion: '48120', creationTimestamp: '2026-11-21T08:00:00Z' },
    data: { typha_service_name: 'none', calico_backend: 'vxlan', veth_mtu: String(mtu), cni_network_config: CALICO_CONFLIST(mtu).replace(`"mtu": ${mtu}`, '"mtu": __CNI_MTU__') },
  });
  addCalicoNode(kit, 'node-2', '2026-11-22 09:59:10.123 [INFO][48] felix/int_dataplane.go 1869: Applying dataplane updates\n');
}

const rows: Row[] = [
  {
    name: 'node-3 sits on a 1450 network but flannel.1, cni0 and FLANNEL_MTU stay 1450',
    build: (kit) => {
      kit.heal();
      kit.node('node-3').mtu = { eth0: 1450, flannel: 1450, cni0: 1450 };
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/net/ip-addr.txt', line: 9, excerpt: /flannel\.1: mtu 1450 \(vxlan dev eth0\)/ },
      command: /node\/node-3 .*ping -M do -s 1422/,
      message: [/largest that fits is 1400/, /node-1, node-2 send overlay packets of up to 1500 bytes/, /FLANNEL_MTU=1450/],
      first: { ruleId: RULE, pod: null, node: 'node-3' },
    },
  },
  {
    name: 'cni0 and the pod veths are larger than flannel.1',
    build: (kit) => {
      kit.heal();
      kit.node('node-2').mtu = { eth0: 1500, flannel: 1450, cni0: 1500 };
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: 'nodes/node-2/net/ip-addr.txt', excerpt: /(cni0|veth[0-9a-f]+): mtu 1500/ },
      command: /kubectl -n kube-flannel delete pod kube-flannel-ds-/,
      message: [/more than the 1450 bytes that fit through flannel\.1/],
    },
  },
  {
    name: 'FLANNEL_MTU says 1500 while the devices are right: config only, medium',
    build: (kit) => {
      kit.heal();
      kit.node('node-2').subnetEnv = 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=true\n';
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [],
      cite: { file: 'nodes/node-2/flannel/subnet.env', line: 3, excerpt: /^FLANNEL_MTU=1500$/ },
      command: /node\/node-2/,
      confirm: /ip -d link show on node-2/,
    },
  },
  {
    name: 'Calico VXLAN with veth_mtu 1450 on a 1450-byte NIC',
    build: (kit) => calicoOnNode2(kit, 1450, 1450),
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: 'cluster/configmaps/kube-system/calico-config.json', excerpt: /veth_mtu: "1450"/ },
      command: /patch configmap calico-config .*"veth_mtu":"1400".*delete pod calico-node-/,
      message: [/vxlan\.calico \(VXLAN\) has MTU 1450/, /"mtu": 1450 for the calico plugin/],
    },
  },
  {
    name: 'look-alike: a pod MTU smaller than needed wastes bytes but breaks nothing',
    build: (kit) => {
      kit.heal();
      kit.node('node-2').mtu = { eth0: 1500, flannel: 1450, cni0: 1400 };
    },
    expected: null,
  },
  {
    name: "look-alike: Cilium's cilium_vxlan keeps 1500 by design",
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-2');
      const extra = '20: cilium_vxlan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ether 9a:6e:2f:11:30:5c brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    vxlan external id 0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx \n';
      for (const path of ['net/ip-addr.txt', 'net/ip-link.txt']) {
        const f = n.render().get(path)!;
        n.set(path, f.text + extra, f.source);
      }
    },
    expected: null,
  },
  {
    name: 'look-alike: a calico node whose MTUs fit (1500 NIC, 1450 VXLAN)',
    build: (kit) => calicoOnNode2(kit, 1500, 1450),
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });

  it('says what it lacks when a sandbox error mentions the MTU but the node has no interface list', async () => {
    const { result, findings } = await run(RULE, (kit) => {
      const pod = onlyStuckPodFails(kit);
      const n = kit.node('node-2');
      for (const path of ['net/ip-addr.txt', 'net/ip-link.txt']) n.missing(path, { kind: 'command', argv: ['ip', '-d', path.includes('addr') ? 'addr' : 'link', 'show'] }, 'failed', 'exit status 255: Cannot open netlink socket: Operation not permitted');
      const error = 'plugin type="flannel" failed (add): failed to delegate add: failed to create bridge "cni0": could not set mtu 9000 on "cni0": invalid argument';
      n.failSandbox(pod, error, 90);
      kit.setSandboxError(kit.stuckPod, `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": ${error}`);
    });
    expect(findings.filter((f) => f.scope.nodes.includes('node-2'))).toEqual([]);
    const inc = result.inconclusive.filter((i) => i.ruleId === RULE);
    expect(inc).toHaveLength(1);
    expect(inc[0]!.scope).toEqual({ nodes: ['node-2'], pods: ['default/web-7r2rngql75-6w8j6'] });
    expect(inc[0]!.missing.join(' ')).toMatch(/nodes\/node-2\/net\/ip-addr\.txt \(failed/);
  });
});
