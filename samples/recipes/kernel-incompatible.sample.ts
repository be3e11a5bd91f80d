import { defineSample } from './kit.js';
import { failStuckPod, logText, logrusLine, setAgentLogs, setAgentState, useCilium } from './lib/agents.js';

/**
 * rke2#3571: node-2 was added from an old CentOS 7 image (kernel 3.10.0-1127.el7). Cilium 1.14
 * needs 4.19.57 or later (or RHEL 8's 4.18), so the agent exits at its kernel probe on node-2
 * only, and cilium-cni there finds no agent socket.
 */
export default defineSample({
  name: 'kernel-incompatible',
  description: 'node-2 runs CentOS 7 kernel 3.10.0-1127.el7, below Cilium 1.14\'s minimum: cilium-agent crash-loops there',
  expect: { ruleId: 'kernel-incompatible', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const cilium = useCilium(kit, { version: 'v1.14.4' });
    const node2 = kit.node('node-2');
    node2.set('system/uname.txt', 'Linux node-2 3.10.0-1127.el7.x86_64 #1 SMP Tue Mar 31 23:36:51 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux\n', { kind: 'command', argv: ['uname', '-a'] });
    node2.set('system/os-release', 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n', { kind: 'file', path: '/etc/os-release' });
    const api = kit.fixture.nodes.find((n) => n.metadata.name === 'node-2')!;
    Object.assign(api.status.nodeInfo!, { kernelVersion: '3.10.0-1127.el7.x86_64', osImage: 'CentOS Linux 7 (Core)' });
    const pod = cilium.get('node-2')!;
    setAgentState(kit, pod, 'cilium-agent', { state: 'crashloop', restarts: 12, exitCode: 1, reason: 'Error', lastFinishedBefore: 290 });
    const s = 293;
    setAgentLogs(kit, pod, 'cilium-agent', {
      previous: logText([
        [s, logrusLine(s, 'info', 'Memory available for map entries (0.003% of 3973308416B): 9933271B', { subsys: 'config' })],
        [s, logrusLine(s, 'info', 'Cilium 1.14.4 87dd0b64 go version go1.20.11 linux/amd64', { subsys: 'daemon' })],
        [s - 1, logrusLine(s - 1, 'fatal', 'kernel version: NOT OK: minimal supported kernel version is >= 4.19.57; kernel version that is running is: 3.10.0', { subsys: 'linux-datapath' })],
      ]),
    });
    failStuckPod(kit, 'plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory');
  },
});
