import { defineSample } from './kit.js';
import { calicoHealthyLog, calicoLine, setAgentLogs, useCalico } from './lib/agents.js';

/**
 * calico#1401: Calico was installed with the documentation's CALICO_IPV4POOL_CIDR 192.168.0.0/16
 * on nodes that live in 192.168.56.0/24. Pods start, but their addresses come from the same range
 * as the nodes': blocks can cover node IPs, routes to pods and to hosts shadow each other, and
 * natOutgoing does not masquerade traffic to the "pod" range the hosts are in.
 */
export default defineSample({
  name: 'podcidr-overlap',
  description: "Calico's IPv4 pool 192.168.0.0/16 contains the nodes' own network 192.168.56.0/24",
  expect: { ruleId: 'podcidr-overlap', pod: null, node: 'node-1' },
  build(kit) {
    kit.heal();
    const calico = useCalico(kit);
    const ds = kit.fixture.daemonSets.find((d) => d.metadata.name === 'calico-node')!;
    for (const c of [ds.spec.template.spec.containers[0]!, ...[...calico.values()].map((p) => p.spec.containers[0]!)]) {
      const pool = (c.env ?? []).find((e) => e.name === 'CALICO_IPV4POOL_CIDR');
      if (pool) pool.value = '192.168.0.0/16';
    }
    const node1 = kit.node('node-1');
    const s = 4 * 86_400 - 4;
    setAgentLogs(kit, calico.get('node-1')!, 'calico-node', {
      current: calicoHealthyLog(node1, s, { extra: [[s - 2, calicoLine(s - 2, 'INFO', 9, 'startup/startup.go 1078', 'Created default IPv4 pool (192.168.0.0/16) with NAT outgoing true. IPIP mode: Always, VXLAN mode: Never, DisableBGPExport: false')]] }),
    });
  },
});
