import { defineSample } from './kit.js';
import { calicoLine, failStuckPod, logText, nic, setAgentLogs, setAgentState, useCalico, writeIp, LO } from './lib/agents.js';

/**
 * kubekey#2504-style: calico-node never finishes starting on node-2, so /var/lib/calico/nodename
 * is never written and every sandbox there fails. The DaemonSet pins IP autodetection to
 * interface=eth.*, and node-2 (re-imaged on other hardware) names its NIC enp0s8.
 */
export default defineSample({
  name: 'cni-agent-not-ready',
  description: 'calico-node on node-2 crash-loops (IP autodetection finds no eth.* interface), so the Calico plugin has no /var/lib/calico/nodename',
  expect: { ruleId: 'cni-agent-not-ready', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const calico = useCalico(kit);
    const ds = kit.fixture.daemonSets.find((d) => d.metadata.name === 'calico-node')!;
    const env = (ds.spec.template.spec.containers[0]!.env ??= []);
    env.push({ name: 'IP_AUTODETECTION_METHOD', value: 'interface=eth.*' });
    const pod = calico.get('node-2')!;
    (pod.spec.containers[0]!.env ??= []).push({ name: 'IP_AUTODETECTION_METHOD', value: 'interface=eth.*' });
    setAgentState(kit, pod, 'calico-node', { state: 'crashloop', restarts: 9, exitCode: 1, reason: 'Error', lastFinishedBefore: 305 });
    const start = 309;
    const crash = [
      calicoLine(start, 'INFO', 9, 'startup/startup.go 425', 'Early log level set to info'),
      calicoLine(start, 'INFO', 9, 'startup/utils.go 126', 'Using NODENAME environment for node name node-2'),
      calicoLine(start, 'INFO', 9, 'startup/utils.go 138', 'Determined node name: node-2'),
      calicoLine(start - 1, 'INFO', 9, 'startup/startup.go 106', 'Skipping datastore connection test'),
      calicoLine(start - 1, 'INFO', 9, 'startup/autodetection_methods.go 130', 'Autodetected IPv4 address using interface regexes [eth.*]'),
      calicoLine(start - 1, 'WARNING', 9, 'startup/autodetection_methods.go 103', 'Unable to auto-detect an IPv4 address using interface regexes [eth.*]: no valid host interfaces found'),
      calicoLine(start - 1, 'WARNING', 9, 'startup/startup.go 461', "Couldn't autodetect an IPv4 address. If auto-detecting, choose a different autodetection method. Otherwise provide an explicit address."),
      calicoLine(start - 1, 'INFO', 9, 'startup/startup.go 247', 'Clearing out-of-date IPv4 address from this node IP=""'),
      calicoLine(start - 2, 'WARNING', 9, 'startup/utils.go 48', 'Terminating'),
      'Calico node failed to start',
    ];
    setAgentLogs(kit, pod, 'calico-node', { previous: logText(crash.map((l) => [start - 1, l] as const)) });

    const node2 = kit.node('node-2');
    writeIp(node2, [LO, nic(node2, 'enp0s8')]);
    node2.set('net/ip-route.txt', `default via 192.168.56.1 dev enp0s8 proto static \n192.168.56.0/24 dev enp0s8 proto kernel scope link src ${node2.nodeIp} \nlocal ${node2.nodeIp} dev enp0s8 table local proto kernel scope host src ${node2.nodeIp} \n`, { kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'] });
    failStuckPod(kit, 'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/');
  },
});
