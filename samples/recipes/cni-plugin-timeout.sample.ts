import { defineSample } from './kit.js';
import { ciliumHealthyLog, failStuckPod, logText, logrusLine, setAgentLogs, setAgentState, useCilium } from './lib/agents.js';

/**
 * cilium#39091: cilium-cni's create-endpoint call on node-2 times out. The agent there was
 * OOM-killed and restarted during the same minutes, and while it came back its endpoint
 * regenerations hung on BPF compilation: the plugin's requests waited past its API client timeout.
 */
export default defineSample({
  name: 'cni-plugin-timeout',
  description: 'cilium-cni on node-2 times out creating endpoints ("Cilium API client timeout exceeded") while the cilium agent restarts and its endpoint regenerations hang',
  expect: { ruleId: 'cni-plugin-timeout', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const cilium = useCilium(kit);
    const node2 = kit.node('node-2');
    const pod = cilium.get('node-2')!;
    // Restarted 4 times; the last time it was OOM-killed 260 s ago and has been running since.
    setAgentState(kit, pod, 'cilium-agent', { state: 'restarted', restarts: 4, exitCode: 137, reason: 'OOMKilled', lastFinishedBefore: 262, startedBefore: 258 });
    const current = ciliumHealthyLog(node2, 258, 'v1.16.5').split('\n').filter((l) => l && !/Rewrote endpoint/.test(l)).map((l) => `${l}\n`).join('');
    const regen = (ago: number, id: string) =>
      [ago, logrusLine(ago, 'warning', 'Regeneration of endpoint failed', { bpfCompilation: '1m4.371s', bpfLoadProg: '0s', bpfWaitForELF: '1m4.371s', bpfWriteELF: '0s', containerID: id, datapathPolicyRevision: '0', desiredPolicyRevision: '1', endpointID: '2261', error: 'context deadline exceeded', identity: '18522', ipv4: '', k8sPodName: 'default/web-7r2rngql75-6w8j6', policyCalculation: '0s', proxyConfiguration: '0s', proxyPolicyCalculation: '0s', proxyWaitForAck: '0s', reason: 'Initial build on endpoint creation', subsys: 'endpoint' })] as const;
    setAgentLogs(kit, pod, 'cilium-agent', {
      current: current + logText([regen(215, 'a31f27d0c1'), [214, logrusLine(214, 'error', 'endpoint regeneration failed', { containerID: 'a31f27d0c1', endpointID: '2261', error: 'context deadline exceeded', subsys: 'endpoint' })], regen(95, '5c0e7a9b42')]),
      previous: logText([
        [900, logrusLine(900, 'info', 'Rewrote endpoint BPF program', { endpointID: '1317', identity: '4', subsys: 'endpoint' })],
        [270, logrusLine(270, 'warning', 'Regeneration of endpoint failed', { bpfCompilation: '58.102s', endpointID: '1890', error: 'context canceled', reason: 'policy rules added', subsys: 'endpoint' })],
      ]),
    });
    failStuckPod(kit, 'plugin type="cilium-cni" failed (add): unable to create endpoint: Cilium API client timeout exceeded', { ages: [280, 220, 160, 100] });
  },
});
