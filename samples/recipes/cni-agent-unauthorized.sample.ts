import { defineSample } from './kit.js';
import { calicoLine, CALICO_KUBECONFIG, calicoConflist, calicoHealthyLog, failStuckPod, setAgentLogs, useCalico, writeNetD } from './lib/agents.js';

/**
 * calico#9215 / rke2#3425: the token in node-2's /etc/cni/net.d/calico-kubeconfig expired. calico-node
 * there keeps running, but its token refresher has been failing since the API server's
 * service-account signing keys were rotated, so every new sandbox on node-2 fails with "connection
 * is unauthorized: Unauthorized" while the pods already running keep working.
 */
export default defineSample({
  name: 'cni-agent-unauthorized',
  description: "node-2's calico-kubeconfig was last refreshed three days ago and calico-node cannot mint a new token: Calico CNI ADD fails with Unauthorized",
  expect: { ruleId: 'cni-agent-unauthorized', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const calico = useCalico(kit);
    const node2 = kit.node('node-2');
    const written = 3 * 86_400 + 4 * 3600;
    writeNetD(node2, [
      { name: '10-calico.conflist', text: calicoConflist('node-2'), secondsBefore: 4 * 86_400 - 3 },
      { name: 'calico-kubeconfig', text: CALICO_KUBECONFIG, secondsBefore: written, mode: '-rw-------' },
    ]);
    const failures: Array<readonly [number, string]> = [];
    for (const ago of [written - 6 * 3600, 86_400 + 1800, 43_200, 3600, 300]) {
      failures.push([ago, calicoLine(ago, 'ERROR', 85, 'cni-config-monitor/token_watch.go 89', 'Unable to create token for CNI kubeconfig error=Unauthorized')]);
      failures.push([ago, calicoLine(ago, 'ERROR', 85, 'cni-config-monitor/token_watch.go 126', 'Failed to update CNI token, retrying... error=Unauthorized')]);
    }
    setAgentLogs(kit, calico.get('node-2')!, 'calico-node', { current: calicoHealthyLog(node2, 4 * 86_400 - 4, { refreshes: [4 * 86_400 - 8, written], extra: failures }) });
    failStuckPod(kit, 'plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized');
  },
});
