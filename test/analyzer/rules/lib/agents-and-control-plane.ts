/**
 * The agents-and-control-plane rule tables: their rule set and kit benders (the harness is rows.ts).
 */
import cniPluginMissing from '../../../../analyzer/rules/cni-plugin-missing.js';
import ipamExhausted from '../../../../analyzer/rules/ipam-exhausted.js';
import podcidrMismatch from '../../../../analyzer/rules/podcidr-mismatch.js';
import { RULES } from '../../../../analyzer/rules/groups/agents-and-control-plane.js';
import type { SampleKit } from '../../../../samples/recipes/kit.js';
import { agentDaemonSet, agentPod, setAgentLogs, type AgentPlan } from '../../../../samples/recipes/lib/agents.js';

/** The finished rules plus this group's: the agents tables rank against these only. */
export const RULE_SET = [cniPluginMissing, ipamExhausted, podcidrMismatch, ...RULES];

/** An Antrea agent DaemonSet on every node (test-only: no sample needs Antrea yet). */
export function useAntrea(kit: SampleKit, logs: (node: string) => string): void {
  const plan: AgentPlan = {
    namespace: 'kube-system',
    daemonSet: 'antrea-agent',
    labels: { app: 'antrea', component: 'antrea-agent' },
    serviceAccount: 'antrea-agent',
    volumes: [{ name: 'host-var-run-antrea', hostPath: { path: '/var/run/antrea', type: 'DirectoryOrCreate' } }],
    initContainers: [{ name: 'install-cni', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['install_cni'] }],
    containers: [{ name: 'antrea-agent', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['antrea-agent'] }, { name: 'antrea-ovs', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['start_ovs'] }],
  };
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  for (const node of kit.nodes.values()) {
    const pod = agentPod(kit, plan, node.name);
    kit.fixture.pods.push(pod);
    setAgentLogs(kit, pod, 'antrea-agent', { current: logs(node.name) });
    node.netD = new Map([['10-antrea.conflist', '{\n  "cniVersion": "0.3.0",\n  "name": "antrea",\n  "plugins": [\n    {\n      "type": "antrea",\n      "ipam": {\n        "type": "host-local"\n      }\n    },\n    {\n      "type": "portmap",\n      "capabilities": {"portMappings": true}\n    },\n    {\n      "type": "bandwidth",\n      "capabilities": {"bandwidth": true}\n    }\n  ]\n}\n']]);
    node.binPlugins = [...node.binPlugins.filter((p) => p !== 'flannel'), 'antrea'].sort();
  }
}
