/**
 * Helpers for the node-level and look-alike samples (iptables, MTU, disk, pause image, OCI
 * runtime, NotReady): a cluster where only the stuck pod fails, runtime lines that fail before any
 * CNI plugin runs, runtime configs, and nodes that stop reporting.
 */
import { at, hex64, type NodeKit, type SampleKit } from '../kit.js';
import type { CoreEvent } from '../../../test/kube-api/types.js';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * Heals everything the recorded fixture breaks (flannel on node-2, the cni0 conflict) except that
 * the stuck pod stays in ContainerCreating with its FailedCreatePodSandBox events, ready for
 * `kit.setSandboxError` to give it another cause.
 */
export function onlyStuckPodFails(kit: SampleKit): PodRef {
  const stuck = kit.stuckPod;
  const status = structuredClone(stuck.status);
  const events: CoreEvent[] = kit.eventsFor(stuck).map((e) => structuredClone(e));
  const node2 = kit.node('node-2');
  const before = { pods: node2.pods.length, kubelet: node2.kubelet.length, reservations: new Set(node2.reservations.keys()) };
  kit.heal();
  stuck.status = status;
  const kept = new Set(kit.fixture.events.map((e) => e.metadata.uid));
  kit.fixture.events.push(...events.filter((e) => !kept.has(e.metadata.uid)));
  node2.pods.length = before.pods;
  node2.kubelet.length = before.kubelet;
  for (const ip of [...node2.reservations.keys()]) if (!before.reservations.has(ip)) node2.reservations.delete(ip);
  return { namespace: stuck.metadata.namespace!, name: stuck.metadata.name, uid: stuck.metadata.uid! };
}

/**
 * The containerd and kubelet lines of a RunPodSandbox that fails before the network is set up
 * (pause image pull, OCI runtime): `criError` is containerd's error, `{sandbox}` its sandbox id.
 */
export function failSandboxBeforeNetwork(node: NodeKit, pod: PodRef, criError: string, secondsBefore = 60): string {
  const sandbox = hex64(`failed/${node.name}/${pod.name}/${secondsBefore}`);
  const error = criError.replaceAll('{sandbox}', sandbox);
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  node.containerd.push(node.containerdLine(secondsBefore, 'error', `RunPodSandbox for &PodSandboxMetadata{Name:${pod.name},Uid:${pod.uid},Namespace:${pod.namespace},Attempt:0,} failed, error`, error));
  const err = `rpc error: code = Unknown desc = ${error}`;
  node.kubelet.push(node.klog(secondsBefore, 'E', 'remote_runtime.go:193', `"RunPodSandbox from runtime service failed" err="${esc(err)}"`));
  node.kubelet.push(node.klog(secondsBefore, 'E', 'kuberuntime_sandbox.go:72', `"Failed to create sandbox for pod" err="${esc(err)}" pod="${pod.namespace}/${pod.name}"`));
  node.kubelet.push(node.klog(secondsBefore, 'E', 'kuberuntime_manager.go:1166', `"CreatePodSandbox for pod failed" err="${esc(err)}" pod="${pod.namespace}/${pod.name}"`));
  return sandbox;
}

export interface ContainerdConfig {
  sandboxImage?: string;
  systemdCgroup?: boolean;
}

/** `containerd config dump` (config version 2, containerd 1.7) with the fields the rules read. */
export function containerdConfigDump(c: ContainerdConfig = {}): string {
  return [
    'disabled_plugins = []',
    'imports = []',
    'oom_score = 0',
    'plugin_dir = ""',
    'required_plugins = []',
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    'temp = ""',
    'version = 2',
    '',
    '[cgroup]',
    '  path = ""',
    '',
    '[grpc]',
    '  address = "/run/containerd/containerd.sock"',
    '',
    '[plugins]',
    '',
    '  [plugins."io.containerd.grpc.v1.cri"]',
    '    device_ownership_from_security_context = false',
    '    disable_apparmor = false',
    '    enable_selinux = false',
    '    max_container_log_line_size = 16384',
    '    restrict_oom_score_adj = false',
    `    sandbox_image = "${c.sandboxImage ?? 'registry.k8s.io/pause:3.10'}"`,
    '    systemd_cgroup = false',
    '',
    '    [plugins."io.containerd.grpc.v1.cri".cni]',
    '      bin_dir = "/opt/cni/bin"',
    '      conf_dir = "/etc/cni/net.d"',
    '      conf_template = ""',
    '      ip_pref = ""',
    '      max_conf_num = 1',
    '',
    '    [plugins."io.containerd.grpc.v1.cri".containerd]',
    '      default_runtime_name = "runc"',
    '      snapshotter = "overlayfs"',
    '',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]',
    '',
    '        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '          runtime_type = "io.containerd.runc.v2"',
    '',
    '          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '            BinaryName = ""',
    '            CriuImagePath = ""',
    '            NoNewKeyring = false',
    '            Root = ""',
    `            SystemdCgroup = ${c.systemdCgroup ?? false}`,
    '',
    '    [plugins."io.containerd.grpc.v1.cri".registry]',
    '      config_path = ""',
    '',
  ].join('\n');
}

/** `crictl info` of containerd 1.7: runtime status, CNI config and the CRI config it runs with. */
export function criInfo(c: ContainerdConfig = {}): string {
  return (
    JSON.stringify(
      {
        status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }] },
        cniconfig: { PluginDirs: ['/opt/cni/bin'], PluginConfDir: '/etc/cni/net.d', PluginMaxConfNum: 1, Prefix: 'eth', Networks: [{ Config: { Name: 'cni-loopback', CNIVersion: '0.3.1', Plugins: [{ Network: { type: 'loopback' } }] }, IFName: 'lo' }, { Config: { Name: 'cbr0', CNIVersion: '0.3.1', Plugins: [{ Network: { type: 'flannel' } }, { Network: { type: 'portmap' } }] }, IFName: 'eth0' }] },
        config: {
          containerd: { snapshotter: 'overlayfs', defaultRuntimeName: 'runc', runtimes: { runc: { runtimeType: 'io.containerd.runc.v2', options: { SystemdCgroup: c.systemdCgroup ?? false } } } },
          cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d', maxConfNum: 1 },
          sandboxImage: c.sandboxImage ?? 'registry.k8s.io/pause:3.10',
        },
        lastCNILoadStatus: 'OK',
        'lastCNILoadStatus.default': 'OK',
      },
      null,
      2,
    ) + '\n'
  );
}

/** Writes the runtime config dump and crictl info of one node. */
export function setRuntimeConfig(node: NodeKit, c: ContainerdConfig): void {
  node.set('runtime/containerd-config-dump.toml', containerdConfigDump(c), { kind: 'command', argv: ['containerd', '--config', '/etc/containerd/config.toml', 'config', 'dump'] }, { exitCode: 0 });
  node.set('cri/info.json', criInfo(c), { kind: 'command', argv: ['crictl', 'info'] }, { exitCode: 0 });
}

/**
 * The node controller's view of a node whose kubelet stopped posting status: every condition
 * Unknown, the unreachable taints, and the pods on it marked not ready.
 */
export function nodeStoppedReporting(kit: SampleKit, name: string, secondsAgo = 1500): void {
  const node = kit.fixture.nodes.find((n) => n.metadata.name === name);
  if (!node) throw new Error(`no node ${name}`);
  const lost = at(secondsAgo).replace(/\.\d+Z$/, 'Z');
  const since = at(secondsAgo - 40).replace(/\.\d+Z$/, 'Z');
  node.status.conditions = (node.status.conditions ?? []).map((c) =>
    c.type === 'NetworkUnavailable' ? c : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: lost, lastTransitionTime: since },
  );
  node.spec.taints = [
    ...(node.spec.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/')),
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: since },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(secondsAgo - 45).replace(/\.\d+Z$/, 'Z') },
  ];
  for (const pod of kit.fixture.pods) {
    if (pod.spec.nodeName !== name) continue;
    pod.status.conditions = (pod.status.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: since } : c));
  }
}

/**
 * The collector could not run on the node (its pod never started on a node that does not report):
 * every node artifact is recorded with `status` and the collector's reason, and no content.
 */
export function nodeCollectionFailed(node: NodeKit, status: 'timeout' | 'failed', reason: string): void {
  node.netD.clear();
  node.pods.length = 0;
  node.reservations.clear();
  // What is left are the plan's fixed paths (and the host-local lock the kit always renders).
  for (const [path, file] of node.render()) node.missing(path, file.source, status, reason);
}

/** kube-proxy's chains for `count` ClusterIP Services with one endpoint each, in iptables-save form. */
export function kubeServiceChains(count: number, seed: string): { chains: string[]; rules: string[] } {
  const chains: string[] = [];
  const rules: string[] = [];
  for (let i = 0; i < count; i++) {
    const svc = hex64(`${seed}/svc/${i}`).slice(0, 16).toUpperCase();
    const sep = hex64(`${seed}/sep/${i}`).slice(0, 16).toUpperCase();
    const ip = `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 2}`;
    const ep = `10.244.${1 + (i % 3)}.${(i % 200) + 20}`;
    chains.push(`:KUBE-SVC-${svc} - [0:0]`, `:KUBE-SEP-${sep} - [0:0]`);
    rules.push(
      `-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "app-${i}/svc-${i}:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-${svc}`,
      `-A KUBE-SVC-${svc} -m comment --comment "app-${i}/svc-${i}:http -> ${ep}:8080" -j KUBE-SEP-${sep}`,
      `-A KUBE-SEP-${sep} -p tcp -m comment --comment "app-${i}/svc-${i}:http" -m tcp -j DNAT --to-destination ${ep}:8080`,
    );
  }
  return { chains, rules };
}

/** Adds kube-proxy Service chains to a node's iptables-nft-save (its nat table), as a busy cluster has. */
export function addKubeServices(node: NodeKit, count: number): void {
  const rendered = node.render().get('net/iptables-save.txt');
  if (!rendered) return;
  const { chains, rules } = kubeServiceChains(count, node.name);
  const lines = rendered.text.split('\n');
  const nat = lines.indexOf('*nat');
  const firstRule = lines.findIndex((l, i) => i > nat && l.startsWith('-A '));
  const commit = lines.findIndex((l, i) => i > nat && l === 'COMMIT');
  const out = [...lines.slice(0, firstRule), ...chains, ...lines.slice(firstRule, commit), ...rules, ...lines.slice(commit)];
  node.set('net/iptables-save.txt', out.join('\n'), rendered.source, { exitCode: 0 });
}

/**
 * A calico-node DaemonSet pod on `node` (kube-system, as the manifest install puts it) whose
 * calico-node container logged `log`: Felix's iptables programming shows up there.
 */
export function addCalicoNode(kit: SampleKit, node: string, log: string): string {
  const suffix = hex64(`calico-node/${node}`).slice(0, 5).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]!);
  const name = `calico-node-${suffix}`;
  const uid = `${hex64(`uid/${name}`).slice(0, 8)}-${hex64(`uid/${name}`).slice(8, 12)}-4${hex64(`uid/${name}`).slice(13, 16)}-8${hex64(`uid/${name}`).slice(17, 20)}-${hex64(`uid/${name}`).slice(20, 32)}`;
  const hostIp = kit.node(node).nodeIp;
  const image = 'docker.io/calico/node:v3.28.2';
  const started = at(86_000).replace(/\.\d+Z$/, 'Z');
  kit.fixture.pods.push({
    metadata: {
      name,
      generateName: 'calico-node-',
      namespace: 'kube-system',
      uid,
      resourceVersion: '48102',
      creationTimestamp: started,
      labels: { 'controller-revision-hash': '6d8b9f7c5d', 'k8s-app': 'calico-node', 'pod-template-generation': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'calico-node', uid: 'b7c2f6a1-3e4d-4a5b-9c8d-1e2f3a4b5c6d', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: node,
      hostNetwork: true,
      serviceAccountName: 'calico-node',
      priorityClassName: 'system-node-critical',
      containers: [{ name: 'calico-node', image, env: [{ name: 'FELIX_IPTABLESBACKEND', value: 'Auto' }] }],
      initContainers: [{ name: 'install-cni', image: 'docker.io/calico/cni:v3.28.2' }],
    },
    status: {
      phase: 'Running',
      hostIP: hostIp,
      podIP: hostIp,
      podIPs: [{ ip: hostIp }],
      startTime: started,
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: started },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
      ],
      initContainerStatuses: [{ name: 'install-cni', ready: true, restartCount: 0, image: 'docker.io/calico/cni:v3.28.2', imageID: `docker.io/calico/cni@sha256:${hex64('img/calico-cni')}`, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } } }],
      containerStatuses: [{ name: 'calico-node', ready: true, started: true, restartCount: 0, image, imageID: `docker.io/calico/node@sha256:${hex64('img/calico-node')}`, containerID: `containerd://${hex64(`ctr/${name}`)}`, state: { running: { startedAt: started } } }],
      qosClass: 'Burstable',
    },
  });
  kit.fixture.logs[`kube-system/${name}/calico-node`] = { current: log };
  return name;
}
