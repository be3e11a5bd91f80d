import { defineSample } from './kit.js';
import { calicoHealthyLog, calicoLine, failStuckPod, klog, logText, podOn, setAgentLogs, setAgentState, useCalico, writeIptables } from './lib/agents.js';

/**
 * calico#8441 / calico#9624, the node-local kind: after node-2 rebooted, kube-proxy there
 * crash-loops (it cannot raise nf_conntrack_max), so node-2 never got its Service rules back. The
 * Calico plugin and calico-node reach the API server through the kubernetes Service VIP
 * 10.96.0.1:443, which on node-2 now leads nowhere: ClusterInformation lookups time out.
 */
export default defineSample({
  name: 'cni-apiserver-unreachable',
  description: 'on node-2 kube-proxy crash-loops after a reboot, 10.96.0.1:443 has no iptables rule there, and the Calico plugin times out reaching the API server',
  expect: { ruleId: 'cni-apiserver-unreachable', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const calico = useCalico(kit);
    const node2 = kit.node('node-2');
    // After the reboot only Calico's chains came back; kube-proxy never synced.
    writeIptables(
      node2,
      [':cali-FORWARD - [0:0]', ':cali-INPUT - [0:0]', ':cali-OUTPUT - [0:0]', '-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT', '-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD', '-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT'],
      [':cali-nat-outgoing - [0:0]', ':cali-POSTROUTING - [0:0]', '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING', '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" -j cali-nat-outgoing'],
    );
    const proxy = podOn(kit, 'kube-system', 'kube-proxy-', 'node-2');
    setAgentState(kit, proxy, 'kube-proxy', { state: 'crashloop', restarts: 11, exitCode: 1, reason: 'Error', lastFinishedBefore: 240 });
    const p = 244;
    kit.fixture.logs[`kube-system/${proxy.metadata.name}/kube-proxy`] = {
      previous: logText([
        [p, klog(p, 'I', 'server_linux.go:66', '"Using iptables proxy"')],
        [p, klog(p, 'I', 'server.go:698', '"Successfully retrieved node IP(s)" IPs=["192.168.56.12"]')],
        [p - 1, klog(p - 1, 'I', 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_max" value=131072')],
        [p - 1, klog(p - 1, 'E', 'server.go:558', '"Error running ProxyServer" err="open /proc/sys/net/netfilter/nf_conntrack_max: permission denied"')],
        [p - 1, klog(p - 1, 'E', 'run.go:72', '"command failed" err="open /proc/sys/net/netfilter/nf_conntrack_max: permission denied"')],
      ]),
    };

    // calico-node on node-2 cannot reach the API through the VIP either.
    const agent = calico.get('node-2')!;
    setAgentState(kit, agent, 'calico-node', { state: 'not-ready', restarts: 0, probeMessage: 'calico/node is not ready: felix is not ready: readiness probe reporting 503' });
    const extra: Array<readonly [number, string]> = [];
    for (const ago of [1500, 900, 420, 180, 40]) {
      extra.push([ago, calicoLine(ago, 'ERROR', 82, 'felix/daemon.go 383', 'Failed to connect to datastore error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.96.0.1:443: i/o timeout')]);
    }
    setAgentLogs(kit, agent, 'calico-node', { current: calicoHealthyLog(node2, 1900, { refreshes: [1896], extra }) });
    failStuckPod(kit, 'plugin type="calico" failed (add): error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.96.0.1:443: i/o timeout');
  },
});
