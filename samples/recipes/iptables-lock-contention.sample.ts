import { defineSample, hex64 } from './kit.js';
import { addKubeServices, onlyStuckPodFails } from './lib/node-and-look-alikes.js';

/**
 * A busy cluster (240 Services) where kube-proxy's long iptables-restore runs hold the xtables
 * lock on node-2: the kubelet's own iptables calls give up after 5 s, and the portmap plugin's
 * commit for the stuck pod's hostPort fails with exit status 4.
 */
export default defineSample({
  name: 'iptables-lock-contention',
  description: 'node-2: iptables callers give up on the xtables lock; portmap fails the sandbox ADD with exit status 4',
  expect: { ruleId: 'iptables-lock-contention', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const pod = onlyStuckPodFails(kit);
    const container = kit.stuckPod.spec.containers[0]!;
    container.ports = [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }];
    for (const node of kit.nodes.values()) addKubeServices(node, 240);
    const node2 = kit.node('node-2');
    for (const age of [1500, 900, 420]) {
      node2.kubelet.push(node2.klog(age, 'E', 'kubelet_network_linux.go:80', String.raw`"Failed to ensure that iptables hint chain exists" err="error creating chain \"KUBE-IPTABLES-HINT\": exit status 4: Another app is currently holding the xtables lock. Stopped waiting after 5s.\n"`));
    }
    const portmap = (sandbox: string, chain: string) =>
      `plugin type="portmap" failed (add): unable to setup DNAT: running [/usr/sbin/iptables -t nat -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment dnat name: "cbr0" id: "${sandbox}" -m multiport --dports 8080 -j CNI-DN-${chain} --wait]: exit status 4: iptables: Resource temporarily unavailable.`;
    for (const age of [400, 280, 160, 40]) {
      const sandbox = hex64(`failed/node-2/${pod.name}/${age}`);
      node2.failSandbox(pod, portmap(sandbox, hex64(`dn/${sandbox}`).slice(0, 21)), age);
    }
    kit.setSandboxError(kit.stuckPod, `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": ${portmap('{sandbox}', hex64('dn/events').slice(0, 21))}`);
  },
});
