import { defineSample } from './kit.js';
import { failStuckPod, flannelPodOn, healAgent, klog, LO, logText, nic, setAgentLogs, setAgentState, writeIp } from './lib/agents.js';

/**
 * kube-ansible#180: the control plane was re-initialized from a kubeadm config without
 * networking.podSubnet, so kube-controller-manager no longer allocates node CIDRs. node-1 and
 * node-3 keep the podCIDRs they got before; node-2, re-joined afterwards, has none, and flanneld
 * there cannot acquire a lease ("pod cidr not assigned"): no subnet.env, every sandbox fails.
 */
export default defineSample({
  name: 'podcidr-missing',
  description: 'node-2 re-joined after kubeadm lost networking.podSubnet: no podCIDR, flannel cannot acquire a lease, subnet.env is missing',
  expect: { ruleId: 'podcidr-missing', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const cm = kit.fixture.configMaps.find((c) => c.metadata.name === 'kubeadm-config')!;
    cm.data!['ClusterConfiguration'] = cm.data!['ClusterConfiguration']!.replace('  podSubnet: 10.244.0.0/16\n', '');
    const kcm = kit.fixture.pods.find((p) => p.metadata.name.startsWith('kube-controller-manager-'))!;
    const container = kcm.spec.containers[0]!;
    container.command = (container.command ?? []).filter((a) => !/^--(?:allocate-node-cidrs|cluster-cidr)=/.test(a));
    const node = kit.fixture.nodes.find((n) => n.metadata.name === 'node-2')!;
    delete node.spec.podCIDR;
    delete node.spec.podCIDRs;
    for (const c of node.status.conditions ?? []) if (c.type === 'NetworkUnavailable') Object.assign(c, { status: 'True', reason: 'NoRouteCreated', message: 'Node created without a route' });

    const flannel = flannelPodOn(kit, 'node-2');
    healAgent(kit, flannel);
    setAgentState(kit, flannel, 'kube-flannel', { state: 'crashloop', restarts: 9, lastFinishedBefore: 300 });
    const s = 304;
    setAgentLogs(kit, flannel, 'kube-flannel', {
      previous: logText([
        [s, klog(s, 'I', 'main.go:211', 'CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network kubeSubnetMgr:true kubeApiUrl: kubeAnnotationPrefix:flannel.alpha.coreos.com ipMasq:true subnetFile:/run/flannel/subnet.env netConfPath:/etc/kube-flannel/net-conf.json}')],
        [s, klog(s, 'I', 'kube.go:139', 'Waiting 10m0s for node controller to sync')],
        [s, klog(s, 'I', 'kube.go:469', 'Starting kube subnet manager')],
        [s - 1, klog(s - 1, 'I', 'kube.go:146', 'Node controller sync successful')],
        [s - 1, klog(s - 1, 'I', 'main.go:231', 'Created subnet manager: Kubernetes Subnet Manager - node-2')],
        [s - 1, klog(s - 1, 'I', 'main.go:468', 'Found network config - Backend type: vxlan')],
        [s - 1, klog(s - 1, 'I', 'vxlan.go:141', 'VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false')],
        [s - 2, klog(s - 2, 'E', 'main.go:359', 'Error registering network: failed to acquire lease: node "node-2" pod cidr not assigned')],
        [s - 2, klog(s - 2, 'I', 'main.go:448', 'Stopping shutdownHandler...')],
      ]),
    });
    const node2 = kit.node('node-2');
    node2.subnetEnv = null;
    writeIp(node2, [LO, nic(node2)]);
    node2.set('net/ip-route.txt', `default via 192.168.56.1 dev eth0 proto static \n192.168.56.0/24 dev eth0 proto kernel scope link src ${node2.nodeIp} \nlocal ${node2.nodeIp} dev eth0 table local proto kernel scope host src ${node2.nodeIp} \n`, { kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'] });
    failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
    // The kubelet never logged "Updated Pod CIDR" on node-2: there was none to update to.
    node2.set('journal/kubelet.log', `${[node2.klog(900, 'I', 'server.go:484', '"Kubelet version" kubeletVersion="v1.32.4"'), ...node2.kubelet].join('\n')}\n`, { kind: 'command', argv: ['journalctl', '-u', 'kubelet', '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'] }, { exitCode: 0 });
  },
});
