import { describe, expect, it } from 'vitest';
import { createJournalParser, journalParser } from '../../../analyzer/parsers/journal.js';
import { runLineParser } from '../../../analyzer/parsers/types.js';
import { asProblem } from './helpers.js';

const REF = '2026-11-26T12:00:00Z';

describe('journal: one line each', () => {
  it.each([
    {
      name: 'short-iso kubelet structured klog (lab)',
      line: String.raw`2026-11-22T09:33:21+0000 node-1 kubelet[901]: E1122 10:24:51.771203     901 remote_runtime.go:176] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \"d3c5\": plugin type=\"bridge\" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.88.0.6-10.88.0.6"`,
      expected: {
        kind: 'journal-entry', line: 7, host: 'node-1', unit: 'kubelet', pid: 901, severity: 'error', level: 'E', format: 'klog',
        timestamp: '2026-11-22T09:33:21.000Z', timeText: '2026-11-22T09:33:21+0000', bodyTime: '2026-11-22T10:24:51.771203Z',
        source: 'remote_runtime.go:176', message: 'RunPodSandbox from runtime service failed',
        fields: { err: 'rpc error: code = Unknown desc = failed to setup network for sandbox "d3c5": plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.88.0.6-10.88.0.6' },
        sandboxIds: ['d3c5'], cniPluginType: 'bridge', cniOp: 'add',
      },
    },
    {
      name: 'CRI-O short-precise with a space-separated logfmt time (crc-org/snc#203)',
      line: String.raw`Jan 25 16:45:10.211610 worker2.example.com crio[1847]: time="2021-01-25 16:45:10.209171978Z" level=error msg="Error while adding pod to CNI network \"multus-cni-network\": netplugin failed with no error message: signal: killed"`,
      expected: {
        host: 'worker2.example.com', unit: 'crio', pid: 1847, severity: 'error', level: 'error', format: 'logfmt',
        timestamp: '2026-01-25T16:45:10.211610Z', bodyTime: '2021-01-25T16:45:10.209171978Z',
        message: 'Error while adding pod to CNI network "multus-cni-network": netplugin failed with no error message: signal: killed',
        fields: {}, sandboxIds: [],
      },
    },
    {
      name: 'CRI-O 1.2x RunPodSandbox start names the pod',
      line: 'Nov 22 09:33:20 node-1 crio[1203]: time="2026-11-22 09:33:20.101010101Z" level=info msg="Running pod sandbox: default/web-0/POD" id=7c4e1b2a-1111-2222-3333-444455556666 name=/runtime.v1.RuntimeService/RunPodSandbox',
      expected: {
        unit: 'crio', severity: 'info', format: 'logfmt', bodyTime: '2026-11-22T09:33:20.101010101Z', message: 'Running pod sandbox: default/web-0/POD',
        fields: { id: '7c4e1b2a-1111-2222-3333-444455556666', name: '/runtime.v1.RuntimeService/RunPodSandbox' }, pod: { namespace: 'default', name: 'web-0' },
      },
    },
    {
      name: 'CRI-O "Got pod network" carries the sandbox ID',
      line: 'Nov 22 09:33:20 node-1 crio[1203]: time="2026-11-22 09:33:20.2Z" level=info msg="Got pod network &{Name:web-0 Namespace:default ID:c0935cf26e4fb6f99157a6e5ae7570937d098307e1e54a86c1aa7a9b258a45a4 UID:522bf2e3-f7d2-40a7-892e-2131c5016f36 NetNS:/var/run/netns/8a1c Networks:[] RuntimeConfig:map[crio:{IP: MAC: PortMappings:[] Bandwidth:<nil> IpRanges:[]}] Aliases:map[]}"',
      expected: { sandboxIds: ['c0935cf26e4fb6f99157a6e5ae7570937d098307e1e54a86c1aa7a9b258a45a4'] },
    },
    {
      name: 'localized month 12月 resolves to the previous year (projectcalico/calico#9624)',
      line: String.raw`12月 20 01:30:13 k8s-master kubelet[300694]: E1220 01:30:13.223744  300694 remote_runtime.go:205] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \"a11ee70c923801bab71c89bc3b972401b7dacdbffc534ec674864096528bdc4c\": plugin type=\"calico\" failed (delete): error getting ClusterInformation: Get \"https://10.50.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default\": EOF" podSandboxID="a11ee70c923801bab71c89bc3b972401b7dacdbffc534ec674864096528bdc4c"`,
      expected: {
        host: 'k8s-master', unit: 'kubelet', pid: 300694, timestamp: '2025-12-20T01:30:13.000Z', timeText: '12月 20 01:30:13',
        fields: { podSandboxID: 'a11ee70c923801bab71c89bc3b972401b7dacdbffc534ec674864096528bdc4c' },
        sandboxIds: ['a11ee70c923801bab71c89bc3b972401b7dacdbffc534ec674864096528bdc4c'], cniPluginType: 'calico', cniOp: 'delete',
      },
    },
    {
      name: 'identifier without a pid, klog warning (kubernetes/website#10323)',
      line: 'Sep 17 18:11:02 master kubelet: W0917 18:11:02.157872     721 cni.go:126] Error loading CNI config file /etc/cni/net.d/10-flannel.conf: error parsing configuration: unexpected end of JSON input',
      expected: {
        host: 'master', unit: 'kubelet', severity: 'warning', level: 'W', source: 'cni.go:126', timestamp: '2026-09-17T18:11:02.000Z',
        message: 'Error loading CNI config file /etc/cni/net.d/10-flannel.conf: error parsing configuration: unexpected end of JSON input',
      },
    },
    {
      name: 'old unstructured klog: sandbox and dockershim pod "name_ns" (projectcalico/calico#2463)',
      line: 'Mar 02 20:00:36 k8s-worker-s2 kubelet[9914]: E0302 20:00:36.151289    9914 remote_runtime.go:119] StopPodSandbox "f825c82ba762ad0bb03c614de070e068471fa82a8c7b5547e3879a5f63c0c676" from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to teardown pod "send-pending-notifications-1551531000-68v6n_prod" network: context deadline exceeded',
      expected: {
        severity: 'error', format: 'klog', fields: {},
        sandboxIds: ['f825c82ba762ad0bb03c614de070e068471fa82a8c7b5547e3879a5f63c0c676'],
        pod: { namespace: 'prod', name: 'send-pending-notifications-1551531000-68v6n' },
      },
    },
    {
      name: 'pod="ns/name" field (kubernetes/kubelet#46)',
      line: String.raw`Oct 26 14:08:18 k8s-eu-1-master kubelet[1067481]: E1026 14:08:18.459398 1067481 kuberuntime_sandbox.go:72] "Failed to create sandbox for pod" err="rpc error: code = Unknown desc = failed to setup network for sandbox \"5db402ddcda98eb797e884575883860a0211c9bf5b6b9d08562793290fd5de78\": plugin type=\"flannel\" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory" pod="kube-system/coredns-5dd5756b68-gt7xt"`,
      expected: {
        pid: 1067481, message: 'Failed to create sandbox for pod', pod: { namespace: 'kube-system', name: 'coredns-5dd5756b68-gt7xt' },
        sandboxIds: ['5db402ddcda98eb797e884575883860a0211c9bf5b6b9d08562793290fd5de78'], cniPluginType: 'flannel', cniOp: 'add',
      },
    },
    {
      name: 'podSandboxID printed as a struct (kubesphere/kubekey#2504)',
      line: 'Mar 10 11:23:33 master01 kubelet[30360]: E0310 11:23:33.100653   30360 kuberuntime_manager.go:1479] "Failed to stop sandbox" podSandboxID={"Type":"containerd","ID":"e0f6665744e6f48928559cbfb3662c9d21a009331801da410c8152b2d37cdd0e"}',
      expected: {
        message: 'Failed to stop sandbox',
        fields: { podSandboxID: '{"Type":"containerd","ID":"e0f6665744e6f48928559cbfb3662c9d21a009331801da410c8152b2d37cdd0e"}' },
        sandboxIds: ['e0f6665744e6f48928559cbfb3662c9d21a009331801da410c8152b2d37cdd0e'],
      },
    },
    {
      name: 'containerd info line kept because it names a sandbox; PodSandboxMetadata gives the pod (containerd/containerd#6921)',
      line: 'May 10 16:18:47 node4 containerd[10270]: time="2022-05-10T16:18:47.113889212Z" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:metrics-server-765bc4bc75-lqrls,Uid:71af0496-cd6b-430c-8e97-d7dc5b5159d9,Namespace:kube-system,Attempt:0,}"',
      expected: {
        unit: 'containerd', severity: 'info', level: 'info', bodyTime: '2022-05-10T16:18:47.113889212Z',
        pod: { namespace: 'kube-system', name: 'metrics-server-765bc4bc75-lqrls', uid: '71af0496-cd6b-430c-8e97-d7dc5b5159d9' },
      },
    },
    {
      name: 'short-iso-precise containerd StopPodSandbox failure (lab)',
      line: String.raw`2026-11-22T10:28:55.123456+00:00 node-1 containerd[812]: time="2026-11-22T10:28:55.123456789Z" level=error msg="StopPodSandbox for \"3a8d…\" failed" error="failed to destroy network for sandbox \"3a8d…\": plugin type=\"flannel\" failed (delete): failed to find plugin \"flannel\" in path [/usr/lib/cni]"`,
      expected: {
        timestamp: '2026-11-22T10:28:55.123456Z', severity: 'error', message: 'StopPodSandbox for "3a8d…" failed',
        fields: { error: 'failed to destroy network for sandbox "3a8d…": plugin type="flannel" failed (delete): failed to find plugin "flannel" in path [/usr/lib/cni]' },
        sandboxIds: ['3a8d…'], cniPluginType: 'flannel', cniOp: 'delete',
      },
    },
    {
      name: 'plain-text body kept because it mentions CNI (weaveworks/weave#3143)',
      line: 'Nov 29 20:21:31 ... kubelet[27470]: weave-cni: unable to release IP address: Delete http://127.0.0.1:6784/ip/c757a1260a2c35074af8a43536e88b57aa4dc9f285d6600f0e19dc44260e4926: dial tcp 127.0.0.1:6784: getsockopt: connection refused',
      expected: { host: '...', unit: 'kubelet', pid: 27470, format: 'text', severity: 'info', message: 'weave-cni: unable to release IP address: Delete http://127.0.0.1:6784/ip/c757a1260a2c35074af8a43536e88b57aa4dc9f285d6600f0e19dc44260e4926: dial tcp 127.0.0.1:6784: getsockopt: connection refused' },
    },
    {
      name: 'short-full with a UTC zone',
      line: 'Sun 2026-11-22 09:33:21 UTC node-1 kubelet[901]: E1122 09:33:21.000001     901 cni.go:330] Error deleting network: context deadline exceeded',
      expected: { timestamp: '2026-11-22T09:33:21.000Z', timeText: 'Sun 2026-11-22 09:33:21 UTC', message: 'Error deleting network: context deadline exceeded' },
    },
    {
      name: 'short-unix',
      line: '1795340001.500000 node-1 kubelet[901]: E1122 09:33:21.000001     901 cni.go:330] Error deleting network: context deadline exceeded',
      expected: { timestamp: '2026-11-22T09:33:21.500000Z', unit: 'kubelet' },
    },
  ])('$name', ({ line, expected }) => {
    const parser = createJournalParser({ referenceTime: REF });
    const rec = parser.parseLine(line, 'line' in expected && typeof expected.line === 'number' ? expected.line : 1, 'nodes/node-1/journal/kubelet.log');
    expect(rec).toMatchObject({ kind: 'journal-entry', file: 'nodes/node-1/journal/kubelet.log', raw: line, ...expected });
  });

  it.each([
    ['-- No entries --', { marker: 'no-entries', text: '-- No entries --' }],
    ['-- Boot 8d3c0f7c1b2a4e5f9a0b1c2d3e4f5a6b --', { marker: 'boot', bootId: '8d3c0f7c1b2a4e5f9a0b1c2d3e4f5a6b' }],
    ['-- Reboot --', { marker: 'reboot' }],
    ['-- Logs begin at Sun 2026-11-22 09:00:00 UTC, end at Sun 2026-11-22 10:00:00 UTC. --', { marker: 'logs-begin' }],
    ['-- Journal begins at Sun 2026-11-22 09:00:00 UTC, ends at Sun 2026-11-22 10:00:00 UTC. --', { marker: 'logs-begin' }],
    ['No journal files were found.', { marker: 'no-journal-files' }],
    ['Failed to open files: No data available', { marker: 'failed-to-open' }],
  ])('marker %s', (line, expected) => {
    expect(journalParser.parseLine(line, 3, 'j.log')).toEqual({ kind: 'journal-marker', file: 'j.log', line: 3, text: line, ...expected });
  });

  it.each([
    ['garbage text', 'this is not a journal line', 'not a journalctl line'],
    ['truncated prefix', 'Nov 22 09:33', 'not a journalctl line'],
    ['no identifier after the host', '2026-11-22T09:33:21+0000 node-1', 'not a journalctl line'],
    ['binary bytes', '\u0000\u0001\u0002journal\u0000', 'NUL byte'],
    ['impossible month', 'Foo 22 09:33:21 node-1 kubelet[1]: x', 'not a journalctl line'],
  ])('bad input: %s becomes a problem at its line', (_name, line, message) => {
    const p = asProblem(journalParser.parseLine(line, 42, 'j.log'));
    expect(p).toMatchObject({ file: 'j.log', line: 42 });
    expect(p.message).toContain(message);
  });

  it.each([
    ['empty line', ''],
    ['healthy kubelet info line', '2026-11-22T09:33:22+0000 node-1 kubelet[901]: I1122 10:24:52.000000     901 kubelet.go:2000] "SyncLoop (PLEG)" pod="default/web-1"'],
    ['healthy containerd info line', 'Nov 22 10:28:52 node-1 containerd[812]: time="2026-11-22T10:28:52.883433699Z" level=info msg="Start recovering state"'],
  ])('drops %s', (_name, line) => {
    expect(journalParser.parseLine(line, 1, 'j.log')).toBeNull();
  });

  it('keepAll keeps healthy lines too', () => {
    const line = '2026-11-22T09:33:22+0000 node-1 kubelet[901]: I1122 10:24:52.000000     901 kubelet.go:2000] "SyncLoop (PLEG)" pod="default/web-1"';
    expect(createJournalParser({ keepAll: true }).parseLine(line, 2, 'j.log')).toMatchObject({
      line: 2, severity: 'info', message: 'SyncLoop (PLEG)', pod: { namespace: 'default', name: 'web-1' }, fields: { pod: 'default/web-1' },
    });
  });

  it('short form without a reference time keeps the text but no timestamp', () => {
    const rec = journalParser.parseLine('Sep 17 18:11:02 master kubelet: W0917 18:11:02.157872     721 cni.go:126] Error loading CNI config file', 1, 'j.log');
    expect(rec).toMatchObject({ timeText: 'Sep 17 18:11:02' });
    expect(rec).not.toHaveProperty('timestamp');
    expect(rec).not.toHaveProperty('bodyTime');
  });
});

describe('journal: multi-line klog values and journalctl continuations', () => {
  it('attaches key=< continuation lines to the line that opened them (cilium/cilium#40345)', () => {
    const text = [
      'Jul 03 12:30:02 storage-04 kubelet[7748]: E0703 12:30:02.101010    7748 log.go:32] "RunPodSandbox from runtime service failed" err=<',
      'Jul 03 12:30:02 storage-04 kubelet[7748]:         rpc error: code = Unknown desc = failed to setup network for sandbox "eda8bab9e1914ec43190de3df221354a5a9db9b2385bddc2afe02b271d11668b": plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory',
      'Jul 03 12:30:02 storage-04 kubelet[7748]:         Is the agent running?',
      'Jul 03 12:30:02 storage-04 kubelet[7748]:  >',
      'Jul 03 12:30:03 storage-04 kubelet[7748]: E0703 12:30:03.000000    7748 pod_workers.go:1301] "Error syncing pod, skipping" err="failed to \\"CreatePodSandbox\\""',
    ].join('\n');
    const { records, problems } = runLineParser(createJournalParser({ referenceTime: REF }), text, 'kubelet.log');
    expect(problems).toEqual([]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 5]);
    expect(records[0]).toMatchObject({ message: 'RunPodSandbox from runtime service failed', fields: { err: '' }, sandboxIds: [] });
    expect(records[1]).toMatchObject({
      continuationOf: 1, severity: 'error', level: 'E', format: 'klog',
      sandboxIds: ['eda8bab9e1914ec43190de3df221354a5a9db9b2385bddc2afe02b271d11668b'], cniPluginType: 'cilium-cni', cniOp: 'add',
    });
    expect(records[2]).toMatchObject({ continuationOf: 1, message: 'Is the agent running?', fields: { err: 'Is the agent running?' } });
    expect(records[3]).toMatchObject({ line: 5, message: 'Error syncing pod, skipping' });
    expect(records[3]).not.toHaveProperty('continuationOf');
  });

  it('attributes an indented line without a prefix to the previous entry', () => {
    const text = [
      'Nov 22 09:33:21 node-1 kubelet[901]: E1122 09:33:21.000001     901 cni.go:330] Error adding network: failed to set bridge addr:',
      '                                       "cni0" already has an IP address different from 10.244.7.1/24',
    ].join('\n');
    const { records } = runLineParser(createJournalParser({ referenceTime: REF }), text, 'kubelet.log');
    expect(records[1]).toMatchObject({ line: 2, continuationOf: 1, unit: 'kubelet', pid: 901, severity: 'error', format: 'text', message: '"cni0" already has an IP address different from 10.244.7.1/24' });
  });
});

describe('journal: prefilter speed', () => {
  it('drops 100k healthy lines quickly and keeps the one failure', () => {
    const parser = createJournalParser({ referenceTime: REF });
    const healthy = 'Nov 22 09:33:21 node-1 kubelet[901]: I1122 09:33:21.000001     901 kubelet.go:2000] "SyncLoop (probe)" probe="readiness" status="ready" pod="default/web-0"';
    const start = performance.now();
    let kept = 0;
    for (let i = 1; i <= 100_000; i++) if (parser.parseLine(healthy, i, 'k.log') !== null) kept++;
    const failure = parser.parseLine('Nov 22 09:33:22 node-1 kubelet[901]: E1122 09:33:22.000001     901 cni.go:330] Error adding network: no IP addresses available', 100_001, 'k.log');
    const ms = performance.now() - start;
    expect(kept).toBe(0);
    expect(failure).toMatchObject({ line: 100_001, severity: 'error' });
    expect(ms).toBeLessThan(3000);
  });
});
