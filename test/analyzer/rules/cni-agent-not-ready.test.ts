import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/cni-agent-not-ready.sample.js';
import flannelConflict from '../../../samples/recipes/flannel-cni0-conflict.sample.js';
import { failStuckPod, logText, logrusLine, removeAgentPod, setAgentLogs, setAgentState, useAwsNode, useCalico, useCilium } from '../../../samples/recipes/lib/agents.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

const NODENAME = 'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/';
const IPAMD = 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:50051: connect: connection refused"';
const CILIUM_SOCK = 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory';

const rows: Row[] = [
  {
    name: 'the sample: calico-node crash-loops on node-2 and the plugin has no nodename file',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/kube-system\/pods\.json$/, excerpt: /calico-node-\w+ on node-2: container calico-node is in CrashLoopBackOff \(9 restarts; last exit: exit 1, Error\)/ },
      command: /kubectl -n kube-system logs calico-node-\w+ -c calico-node --previous/,
      message: /Couldn't autodetect an IPv4 address.*no \/var\/lib\/calico\/nodename/,
    },
    firstRule: 'cni-agent-not-ready',
  },
  {
    name: "the agent's crash log is cited with its line",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/logs\/kube-system\/calico-node-\w+\/calico-node\.previous\.log$/, excerpt: /Unable to auto-detect an IPv4 address using interface regexes \[eth\.\*\]/ },
      command: /kubectl -n kube-system delete pod -l k8s-app=calico-node --field-selector spec\.nodeName=node-2/,
    },
  },
  {
    name: 'cilium stuck in an init container (image pull) with socket errors on node-2',
    build: (kit) => {
      const cilium = useCilium(kit);
      setAgentState(kit, cilium.get('node-2')!, 'cilium-agent', { state: 'image-pull', initContainer: 'config' });
      failStuckPod(kit, CILIUM_SOCK);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/events\.json$/, excerpt: /Failed \(x24\) Failed to pull image "quay\.io\/cilium\/cilium:v1\.16\.5"/ },
      command: /kubectl -n kube-system logs cilium-\w+ -c config/,
      message: /init container config does not complete \(ImagePullBackOff\)/,
    },
    firstRule: 'cni-agent-not-ready',
  },
  {
    name: 'aws-node crash-looping: ipamd panics at start-up (amazon-vpc-cni-k8s#3431)',
    build: (kit) => {
      const aws = useAwsNode(kit);
      const pod = aws.get('node-2')!;
      setAgentState(kit, pod, 'aws-node', { state: 'crashloop', restarts: 15, exitCode: 2 });
      setAgentLogs(kit, pod, 'aws-node', {
        previous: logText([
          [318, logrusLine(318, 'info', 'Starting IPAM daemon... ')],
          [317, logrusLine(317, 'info', 'Checking for IPAM connectivity... ')],
          [316, 'panic: runtime error: index out of range [0] with length 0'],
          [316, 'goroutine 1 [running]:'],
          [316, 'github.com/aws/amazon-vpc-cni-k8s/pkg/ipamd.(*IPAMContext).markUnmanagedNetworkCards(0xc0003794a0, {0xc000579c30, 0x1, 0xc000575a80?}, {0xc000f4f710, 0x1, 0xc000e21560?})'],
          [312, logrusLine(312, 'error', 'Failed to wait for IPAM daemon to complete', { error: 'exit status 2' })],
        ]),
      });
      failStuckPod(kit, IPAMD);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /aws-node\.previous\.log$/, excerpt: /panic: runtime error: index out of range \[0\] with length 0/ },
      command: /kubectl -n kube-system logs aws-node-\w+ -c aws-node --previous/,
      message: /Its last error: "Failed to wait for IPAM daemon to complete: exit status 2".*finds no ipamd at 127\.0\.0\.1:50051/,
    },
    firstRule: 'cni-agent-not-ready',
  },
  {
    name: 'aws-node missing from node-2 while the DaemonSet runs elsewhere',
    build: (kit) => {
      const aws = useAwsNode(kit);
      removeAgentPod(kit, aws.get('node-2')!);
      failStuckPod(kit, IPAMD);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/kube-system\/daemonsets\.json$/, excerpt: /DaemonSet kube-system\/aws-node: desired 3, current 2, ready 2/ },
      command: /kubectl describe node node-2/,
      message: /node-2 has no aws-node \(ipamd\) pod/,
    },
    firstRule: 'cni-agent-not-ready',
  },
  {
    name: 'look-alike: flannel crash-looping next to the stale cni0 is a bystander, podcidr-mismatch ranks first',
    build: (kit) => flannelConflict.build(kit),
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /link has incompatible addresses/ },
      command: /kubectl -n kube-flannel logs kube-flannel-ds-\w+ -c kube-flannel --previous/,
      message: /consequence|because an interface on the node keeps an address from an older subnet \(see podcidr-mismatch\)/,
    },
    firstRule: 'podcidr-mismatch',
  },
  {
    name: 'symptom without state: the nodename error, but no calico-node pods in the bundle',
    build: (kit) => {
      useCalico(kit);
      kit.fixture.pods = kit.fixture.pods.filter((p) => !p.metadata.name.startsWith('calico-node-'));
      failStuckPod(kit, NODENAME);
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/journal\/kubelet\.log$/, excerpt: /stat \/var\/lib\/calico\/nodename: no such file or directory/ },
      command: /--field-selector spec\.nodeName=node-2/,
      confirmWith: true,
    },
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
  { name: 'healthy calico cluster', build: (kit) => { kit.heal(); useCalico(kit); }, expected: null },
];

describe('cni-agent-not-ready', () => {
  it.each(rows)('$name', async (row) => {
    await check('cni-agent-not-ready', row, RULE_SET);
  });
});
