import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/cni-agent-unreachable.sample.js';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { CILIUM_CONFLIST, failStuckPod, setAgentState, useAwsNode, useCilium, writeNetD } from '../../../samples/recipes/lib/agents.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

const CILIUM_SOCK = 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory';
const IPAMD = 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:50051: connect: connection refused"';

const rows: Row[] = [
  {
    name: 'the sample: errors while a rollout replaced the cilium agent, which is Ready now',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/kube-system\/pods\.json$/, excerpt: /cilium-\w+ on node-2: running since 2026-11-22T10:27:30Z, Ready since 2026-11-22T10:29:08Z, 0 restarts/ },
      command: /kubectl debug node\/node-2 .* ls -la \/var\/run\/cilium/,
      message: /cilium-cni CNI plugin cannot reach its agent \(\/var\/run\/cilium\/cilium\.sock\).*became Ready at 2026-11-22T10:29:08Z, after the last of these errors/,
    },
    firstRule: 'cni-agent-unreachable',
  },
  {
    name: 'cilium agent crash-looping: both fire, the agent state ranks first and is named here',
    build: (kit) => {
      const cilium = useCilium(kit);
      setAgentState(kit, cilium.get('node-2')!, 'cilium-agent', { state: 'crashloop' });
      failStuckPod(kit, CILIUM_SOCK);
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/events\.json$/, excerpt: /BackOff \(x34\) Back-off restarting failed container cilium-agent/ },
      command: /kubectl -n kube-system logs cilium-\w+ -c cilium-agent --previous/,
      message: /because the cilium-agent pod kube-system\/cilium-\w+ is down: container cilium-agent is in CrashLoopBackOff/,
    },
    firstRule: 'cni-agent-not-ready',
  },
  {
    name: 'aws-node Ready for days while ipamd keeps refusing: the path, not the pod',
    build: (kit) => {
      useAwsNode(kit);
      failStuckPod(kit, IPAMD);
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/journal\/kubelet\.log$/, excerpt: /RunPodSandbox from runtime service failed/ },
      command: /kubectl debug node\/node-2/,
      message: /aws-cni CNI plugin cannot reach its agent \(127\.0\.0\.1:50051.*has been Ready since/,
    },
    firstRule: 'cni-agent-unreachable',
  },
  {
    name: 'look-alike: no Cilium installed, a 05-cilium.conflist left in net.d on a flannel node',
    build: (kit) => {
      const node2 = kit.node('node-2');
      writeNetD(node2, [
        { name: '05-cilium.conflist', text: CILIUM_CONFLIST, secondsBefore: 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 5 * 86_400 },
      ]);
      failStuckPod(kit, CILIUM_SOCK);
    },
    expected: {
      severity: 'warning',
      confidence: 'low',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/cni\/net\.d\/05-cilium\.conflist$/, excerpt: /05-cilium\.conflist still names cilium-cni/ },
      command: /kubectl debug node\/node-2 .* ls -la \/etc\/cni\/net\.d/,
      message: /No cilium-agent DaemonSet exists in the cluster \(the node runs flannel\).*left over/,
    },
  },
  {
    name: 'symptom without state: the cilium DaemonSet exists but its pods are not in the bundle',
    build: (kit) => {
      useCilium(kit);
      kit.fixture.pods = kit.fixture.pods.filter((p) => !/^cilium-/.test(p.metadata.name));
      failStuckPod(kit, CILIUM_SOCK);
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/events\.json$/, excerpt: /FailedCreatePodSandBox/ },
      command: /--field-selector spec\.nodeName=node-2 \| grep -Ei 'cilium'/,
      confirmWith: true,
    },
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
  { name: 'healthy cilium cluster', build: (kit) => { kit.heal(); useCilium(kit); }, expected: null },
];

describe('cni-agent-unreachable', () => {
  it.each(rows)('$name', async (row) => {
    await check('cni-agent-unreachable', row, RULE_SET);
  });
});
