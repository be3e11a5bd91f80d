import { defineSample } from './kit.js';
import { failStuckPod, logText, logrusLine, setAgentLogs, setAgentStarted, useCilium } from './lib/agents.js';

/**
 * aks-engine#2064 / cilium#40345, the transient kind: a rolling update of the cilium DaemonSet
 * replaced node-2's agent. For the minute and a half the new agent took to start serving
 * /var/run/cilium/cilium.sock, every sandbox ADD on node-2 failed; the agent is Ready now and the
 * stuck pod only waits for the kubelet's next retry.
 */
export default defineSample({
  name: 'cni-agent-unreachable',
  description: "cilium-cni on node-2 found no /var/run/cilium/cilium.sock while the cilium agent was being replaced by a rollout",
  expect: { ruleId: 'cni-agent-unreachable', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const cilium = useCilium(kit);
    const node2 = kit.node('node-2');
    const pod = cilium.get('node-2')!;
    const started = 150;
    const ready = 52;
    setAgentStarted(pod, 'cilium-agent', started, ready);
    const base = node2.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.');
    const line = (ago: number, msg: string, fields: Record<string, string>) => [ago, logrusLine(ago, 'info', msg, fields)] as const;
    setAgentLogs(kit, pod, 'cilium-agent', {
      current: logText([
        line(started, 'Memory available for map entries (0.003% of 8332279808B): 20830699B', { subsys: 'config' }),
        line(started, 'Cilium 1.16.5 7fcaf3d8e0 go version go1.22.10 linux/amd64', { subsys: 'daemon' }),
        line(started - 1, 'Detected mounted BPF filesystem at /sys/fs/bpf', { subsys: 'bpf' }),
        line(started - 2, 'Establishing connection to apiserver', { host: 'https://10.96.0.1:443', subsys: 'k8s-client' }),
        line(started - 2, 'Connected to apiserver', { subsys: 'k8s-client' }),
        line(started - 3, 'Waiting until all Cilium CRDs are available', { subsys: 'k8s' }),
        line(ready + 9, 'All Cilium CRDs have been found and are available', { subsys: 'k8s' }),
        line(ready + 6, 'Initializing node addressing', { subsys: 'daemon' }),
        line(ready + 6, 'Using allocated pod CIDR', { ipv4: `${base}.0/24`, subsys: 'daemon' }),
        line(ready + 3, 'Daemon initialization completed', { bootstrapTime: '1m34.771s', subsys: 'daemon' }),
        line(ready + 3, 'Serving cilium API at unix:///var/run/cilium/cilium.sock', { subsys: 'daemon' }),
      ]),
    });
    const error = 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory';
    failStuckPod(kit, error, { ages: [140, 115, 90, 62] });
    // The kubelet's events stop at the last failure, before the agent became Ready.
    for (const e of kit.eventsFor(kit.stuckPod)) {
      if (e.reason !== 'FailedCreatePodSandBox') continue;
      const last = new Date(Date.parse(kit.fixture.recordedAt!) - 62_000).toISOString().replace(/\.\d+Z$/, 'Z');
      if ((e.lastTimestamp ?? '') > last) e.lastTimestamp = last;
    }
  },
});
