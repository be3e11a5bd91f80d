import { defineSample } from './kit.js';
import { failStuckPod, logText, logrusLine, setAgentLogs, setAgentState, useCilium } from './lib/agents.js';

/**
 * node-2's sys-fs-bpf.mount unit failed after a reboot and the cluster runs Cilium with
 * bpf.autoMount disabled (the hosts are supposed to mount bpffs themselves). The agent warns that
 * bpffs is not mounted on the host, cannot mount its fallback inside the container either, and
 * exits: cilium-cni on node-2 finds no agent socket.
 */
export default defineSample({
  name: 'bpf-fs-not-mounted',
  description: 'node-2 has no bpf filesystem at /sys/fs/bpf: cilium-agent there cannot pin its maps and crash-loops',
  expect: { ruleId: 'bpf-fs-not-mounted', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const cilium = useCilium(kit);
    const node2 = kit.node('node-2');
    node2.bpfMounted = false;
    // bpf.autoMount.enabled=false: no mount-bpf-fs init container, the hosts mount bpffs themselves.
    const ds = kit.fixture.daemonSets.find((d) => d.metadata.name === 'cilium')!;
    ds.spec.template.spec.initContainers = ds.spec.template.spec.initContainers?.filter((c) => c.name !== 'mount-bpf-fs');
    for (const p of cilium.values()) {
      p.spec.initContainers = p.spec.initContainers?.filter((c) => c.name !== 'mount-bpf-fs');
      p.status.initContainerStatuses = p.status.initContainerStatuses?.filter((c) => c.name !== 'mount-bpf-fs');
    }
    const pod = cilium.get('node-2')!;
    setAgentState(kit, pod, 'cilium-agent', { state: 'crashloop', restarts: 8, exitCode: 1, reason: 'Error', lastFinishedBefore: 280 });
    const s = 283;
    setAgentLogs(kit, pod, 'cilium-agent', {
      previous: logText([
        [s, logrusLine(s, 'info', 'Memory available for map entries (0.003% of 8332279808B): 20830699B', { subsys: 'config' })],
        [s, logrusLine(s, 'info', 'Cilium 1.16.5 7fcaf3d8e0 go version go1.22.10 linux/amd64', { subsys: 'daemon' })],
        [s - 1, logrusLine(s - 1, 'warning', 'BPF filesystem is going to be mounted automatically in /run/cilium/bpffs. However, it probably means that Cilium is running inside container and BPFFS is not mounted on the host. for more information, see: https://cilium.link/err-bpf-mount', { subsys: 'bpf' })],
        [s - 1, logrusLine(s - 1, 'fatal', 'Unable to mount BPF filesystem', { error: 'failed to mount /run/cilium/bpffs: operation not permitted', subsys: 'daemon' })],
      ]),
    });
    failStuckPod(kit, 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory');
  },
});
