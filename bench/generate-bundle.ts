/**
 * Synthetic but realistic bundles of any size, for the benchmarks (`npm run bench`).
 *
 * The API objects are the test API server's `largeCluster` (N nodes, workload pods, failing pods
 * with their FailedCreatePodSandBox events, crash-looping flannel on the failing nodes); each node
 * gets the small node files in the exact formats of the sample kit (samples/recipes/kit.ts), and
 * three big text streams written straight through `BundleWriter` from generators, so nothing big
 * is ever held in memory:
 *
 *   nodes/<n>/journal/kubelet.log      journalctl -o short-iso, kubelet klog bodies
 *   nodes/<n>/journal/containerd.log   journalctl -o short-iso, containerd logfmt bodies
 *   cluster/logs/kube-flannel/<pod>/kube-flannel.log   kubectl logs --timestamps, flannel klog
 *
 * Most lines are the healthy chatter of a busy node (volume reconciler, probes, PLEG, ExecSync,
 * shim cleanups), a few are unrelated warnings and errors (CrashLoopBackOff, TLS handshakes), and
 * on the failing nodes the real sandbox failures are scattered through the whole window: the
 * flannel `"cni0" already has an IP address different from …` conflict, and on some of them
 * host-local's `no IP addresses available in range set`. Deterministic for given options.
 */
import { BundleWriter } from '../shared/bundle/writer.js';
import { clusterPaths } from '../shared/bundle/paths.js';
import type { ArtifactSource } from '../shared/bundle/manifest-schema.js';
import { hex64, NodeKit } from '../samples/recipes/kit.js';
import { largeCluster, RECORDED_AT } from '../test/kube-api/fixtures.js';
import type { ClusterFixture, Pod } from '../test/kube-api/types.js';

export interface GenerateOptions {
  /** The .tgz to write (replaced if it exists). */
  output: string;
  nodes: number;
  /** Size of each journal (kubelet, containerd) per node, in bytes. */
  journalBytes: number;
  /**
   * Size of each node's flannel container log, in bytes. Default: what the collector's default
   * `--tail-lines 5000` keeps (about 1.2 MB), or a quarter of a journal when that is smaller.
   */
  agentLogBytes?: number;
  /** Workload pods per node (default 30). */
  podsPerNode?: number;
  /** Nodes with sandbox failures (default a fifth, at least one). */
  failingNodes?: number;
  /** Failing pods (default two per failing node). */
  failingPods?: number;
  /** Seconds between two log lines on average (default 0.4: a busy node at the default verbosity). */
  lineIntervalSeconds?: number;
  /** One sandbox failure (four lines) per failing pod every this many seconds (default 60). */
  failureEverySeconds?: number;
}

export interface GenerateResult {
  path: string;
  /** Bytes stored in the bundle (the sum of artifact sizes, i.e. uncompressed). */
  bytes: number;
  artifacts: number;
  /** Lines written to the big logs, and how many of them are sandbox failure lines. */
  lines: number;
  failureLines: number;
}

/** The failure patterns the floor greps for: what the analyzer treats as sandbox network failures. */
export const FAILURE_GREP_PATTERN =
  'failed to (set ?up|setup|destroy|teardown|tear down) (the )?(network|sandbox container)|networkplugin|cni plugin not initialized|network plugin (returns error|is not ready)|networkready=false|failed \\((add|delete|del|check)\\)|cni config|network for pod|failed to get network|no IP addresses available in range set|already has an IP address different from';

const T0 = Date.parse(RECORDED_AT);
/** About 5000 flannel lines: an agent log as `kubectl logs --tail 5000` returns it. */
const AGENT_TAIL_BYTES = 5000 * 250;

/** mulberry32: a small seeded PRNG, so a bundle is the same for the same options. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The time texts of one moment, in each log's format. */
class Stamp {
  private second = -1;
  iso = '';
  klogDay = '';
  hms = '';
  set(ms: number): void {
    const s = Math.floor(ms / 1000);
    if (s === this.second) return;
    this.second = s;
    const d = new Date(s * 1000);
    this.hms = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    this.iso = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${this.hms}`;
    this.klogDay = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}`;
  }
}

interface LogPod {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
}

interface FailingOnNode {
  pod: LogPod;
  kind: 'cni0' | 'ipam';
}

interface StreamPlan {
  node: string;
  bytes: number;
  pods: LogPod[];
  failing: FailingOnNode[];
  gateway: string;
  podCidr: string;
  seed: number;
  lineIntervalSeconds: number;
  failureEverySeconds: number;
  counters: { lines: number; failureLines: number };
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

function failureError(f: FailingOnNode, sandbox: string, plan: StreamPlan): string {
  const range = `${plan.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.')}`;
  return f.kind === 'cni0'
    ? `failed to setup network for sandbox "${sandbox}": plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from ${plan.gateway}/24`
    : `failed to setup network for sandbox "${sandbox}": plugin type="flannel" failed (add): failed to delegate add: failed to allocate for range 0: no IP addresses available in range set: ${range}.1-${range}.254`;
}

/**
 * Yields ~256 KiB chunks of `unit`'s log until `plan.bytes` are written. `line` makes one
 * healthy line for a moment; every `failureEverySeconds` each failing pod leaves its failure.
 */
async function* logStream(
  plan: StreamPlan,
  healthy: (rand: () => number, stamp: Stamp, ms: number, micros: string) => string,
  failure: ((f: FailingOnNode, sandbox: string, stamp: Stamp, micros: string) => string[]) | null,
): AsyncGenerator<Buffer> {
  const rand = rng(plan.seed);
  const stamp = new Stamp();
  // ~230 bytes a line on average: the log ends at the collection time and starts as far back as
  // its lines reach (a bigger tail covers a longer window, not a denser one).
  const expectedLines = Math.max(1, Math.round(plan.bytes / 230));
  const stepMs = plan.lineIntervalSeconds * 1000;
  const start = T0 - expectedLines * stepMs;
  let written = 0;
  let ms = start;
  let nextFailure = start + plan.failureEverySeconds * 1000 * rand();
  let attempt = 0;
  let parts: string[] = [];
  let partBytes = 0;
  while (written < plan.bytes) {
    ms += stepMs * (0.5 + rand());
    if (ms > T0) ms = T0;
    stamp.set(ms);
    const micros = pad(Math.floor((ms % 1000) * 1000), 6);
    let text: string;
    if (failure && plan.failing.length > 0 && ms >= nextFailure) {
      nextFailure += plan.failureEverySeconds * 1000;
      const lines: string[] = [];
      for (const f of plan.failing) {
        const sandbox = hex64(`gen/${plan.node}/${f.pod.name}/${attempt++}`);
        lines.push(...failure(f, sandbox, stamp, micros));
      }
      plan.counters.failureLines += lines.length;
      plan.counters.lines += lines.length;
      text = `${lines.join('\n')}\n`;
    } else {
      text = `${healthy(rand, stamp, ms, micros)}\n`;
      plan.counters.lines += 1;
    }
    parts.push(text);
    partBytes += text.length;
    written += text.length;
    if (partBytes >= 256 * 1024) {
      yield Buffer.from(parts.join(''), 'utf8');
      parts = [];
      partBytes = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'utf8');
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** Container and sandbox ids: a pool drawn once, picked at random (building hex per line is slow). */
const HEX_POOL: string[] = (() => {
  const rand = rng(0x5eed);
  const out: string[] = [];
  for (let i = 0; i < 4096; i++) {
    let s = '';
    for (let k = 0; k < 8; k++) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
    out.push(s);
  }
  return out;
})();

function hexOf(rand: () => number, n = 64): string {
  const id = HEX_POOL[Math.floor(rand() * HEX_POOL.length)]!;
  return n >= 64 ? id : id.slice(0, n);
}

function kubeletStream(plan: StreamPlan): AsyncGenerator<Buffer> {
  const pid = 1187;
  const head = (stamp: Stamp) => `${stamp.iso}+0000 ${plan.node} kubelet[${pid}]: `;
  const klog = (level: string, stamp: Stamp, micros: string, src: string) => `${level}${stamp.klogDay} ${stamp.hms}.${micros}    ${pid} ${src}] `;
  const healthy = (rand: () => number, stamp: Stamp, _ms: number, micros: string): string => {
    const p = pick(rand, plan.pods);
    const key = `${p.namespace}/${p.name}`;
    const r = rand();
    const h = head(stamp);
    if (r < 0.22) {
      const vol = `kube-api-access-${p.uid.slice(0, 5)}`;
      return `${h}${klog('I', stamp, micros, 'reconciler_common.go:251')}"operationExecutor.VerifyControllerAttachedVolume started for volume \\"${vol}\\" (UniqueName: \\"kubernetes.io/projected/${p.uid}-${vol}\\") pod \\"${p.name}\\" (UID: \\"${p.uid}\\") " pod="${key}"`;
    }
    if (r < 0.38) {
      return `${h}${klog('I', stamp, micros, 'prober.go:107')}"Probe failed" probeType="Readiness" pod="${key}" podUID="${p.uid}" containerName="app" probeResult="failure" output="Get \\"http://${p.ip}:8080/healthz\\": dial tcp ${p.ip}:8080: connect: connection refused"`;
    }
    if (r < 0.52) {
      return `${h}${klog('I', stamp, micros, 'kubelet.go:2470')}"SyncLoop (PLEG): event for pod" pod="${key}" event={"ID":"${p.uid}","Type":"ContainerStarted","Data":"${hexOf(rand)}"}`;
    }
    if (r < 0.62) {
      return `${h}${klog('I', stamp, micros, 'pod_startup_latency_tracker.go:104')}"Observed pod startup duration" pod="${key}" podStartSLOduration=${(1 + rand() * 4).toFixed(9)} podStartE2EDuration="${(2 + rand() * 5).toFixed(6)}s" podCreationTimestamp="${stamp.iso.replace('T', ' ')} +0000 UTC" firstStartedPulling="0001-01-01 00:00:00 +0000 UTC" lastFinishedPulling="0001-01-01 00:00:00 +0000 UTC"`;
    }
    if (r < 0.7) {
      return `${h}${klog('I', stamp, micros, 'kubelet_volumes.go:163')}"Cleaned up orphaned pod volumes dir" podUID="${p.uid}" path="/var/lib/kubelet/pods/${p.uid}/volumes"`;
    }
    if (r < 0.77) return `${h}${klog('I', stamp, micros, 'scope.go:117')}"RemoveContainer" containerID="${hexOf(rand)}"`;
    if (r < 0.83) return `${h}${klog('I', stamp, micros, 'topology_manager.go:215')}"Topology Admit Handler" podUID="${p.uid}" podNamespace="${p.namespace}" podName="${p.name}"`;
    if (r < 0.87) return `${h}${klog('I', stamp, micros, 'kubelet.go:2407')}"SyncLoop ADD" source="api" pods=["${key}"]`;
    if (r < 0.9) return `${h}${klog('I', stamp, micros, 'log.go:245')}http: TLS handshake error from 10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}:${40000 + Math.floor(rand() * 20000)}: EOF`;
    // Info lines that mention sandboxes: the analyzer keeps these (timeline, leaks, joins).
    if (r < 0.935) return `${h}${klog('I', stamp, micros, 'util.go:30')}"No sandbox for pod can be found. Need to start a new one" pod="${key}"`;
    if (r < 0.975) return `${h}${klog('I', stamp, micros, 'kuberuntime_manager.go:1045')}"Created PodSandbox for pod" podSandboxID="${hexOf(rand)}" pod="${key}"`;
    if (r < 0.99) {
      return `${h}${klog('E', stamp, micros, 'pod_workers.go:1301')}"Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"app\\" with CrashLoopBackOff: \\"back-off 5m0s restarting failed container=app pod=${p.name}_${p.namespace}(${p.uid})\\"" pod="${key}" podUID="${p.uid}"`;
    }
    return `${h}${klog('W', stamp, micros, 'reflector.go:561')}k8s.io/client-go/informers/factory.go:160: failed to list *v1.Service: Get "https://192.168.56.11:6443/api/v1/services?limit=500&resourceVersion=0": net/http: TLS handshake timeout`;
  };
  const failure = (f: FailingOnNode, sandbox: string, stamp: Stamp, micros: string): string[] => {
    const h = head(stamp);
    const key = `${f.pod.namespace}/${f.pod.name}`;
    const err = esc(`rpc error: code = Unknown desc = ${failureError(f, sandbox, plan)}`);
    const podId = `${f.pod.name}_${f.pod.namespace}(${f.pod.uid})`;
    return [
      `${h}${klog('E', stamp, micros, 'remote_runtime.go:193')}"RunPodSandbox from runtime service failed" err="${err}"`,
      `${h}${klog('E', stamp, micros, 'kuberuntime_sandbox.go:72')}"Failed to create sandbox for pod" err="${err}" pod="${key}"`,
      `${h}${klog('E', stamp, micros, 'kuberuntime_manager.go:1166')}"CreatePodSandbox for pod failed" err="${err}" pod="${key}"`,
      `${h}${klog('E', stamp, micros, 'pod_workers.go:1301')}"Error syncing pod, skipping" err="${esc(`failed to "CreatePodSandbox" for "${podId}" with CreatePodSandboxError: "${esc(`Failed to create sandbox for pod "${podId}": rpc error: code = Unknown desc = ${failureError(f, sandbox, plan)}`)}"`)}" pod="${key}" podUID="${f.pod.uid}"`,
    ];
  };
  return logStream(plan, healthy, failure);
}

function containerdStream(plan: StreamPlan): AsyncGenerator<Buffer> {
  const head = (stamp: Stamp, micros: string, level: string) => `${stamp.iso}+0000 ${plan.node} containerd[902]: time="${stamp.iso}.${micros}512Z" level=${level} `;
  const healthy = (rand: () => number, stamp: Stamp, _ms: number, micros: string): string => {
    const p = pick(rand, plan.pods);
    const r = rand();
    if (r < 0.3) return `${head(stamp, micros, 'info')}msg="ExecSync for \\"${hexOf(rand)}\\" with command [/bin/sh -c pg_isready -U postgres -h 127.0.0.1 -p 5432] and timeout 1 (s)"`;
    if (r < 0.58) return `${head(stamp, micros, 'info')}msg="ExecSync for \\"${hexOf(rand)}\\" returns with exit code 0"`;
    if (r < 0.66) return `${head(stamp, micros, 'info')}msg="StartContainer for \\"${hexOf(rand)}\\" returns successfully"`;
    if (r < 0.72) return `${head(stamp, micros, 'info')}msg="ImageUpdate event name:\\"docker.io/library/nginx:1.27.3\\" labels:{key:\\"io.cri-containerd.image\\" value:\\"managed\\"}"`;
    if (r < 0.77) return `${head(stamp, micros, 'info')}msg="PullImage \\"docker.io/library/nginx:1.27.3\\" returns image reference \\"sha256:${hexOf(rand)}\\""`;
    if (r < 0.83) return `${head(stamp, micros, 'info')}msg="shim disconnected" id=${hexOf(rand)} namespace=k8s.io`;
    if (r < 0.87) return `${head(stamp, micros, 'info')}msg="cleaning up dead shim" namespace=k8s.io`;
    if (r < 0.9) return `${head(stamp, micros, 'info')}msg="RemoveContainer for \\"${hexOf(rand)}\\" returns successfully"`;
    if (r < 0.93) return `${head(stamp, micros, 'info')}msg="CreateContainer within sandbox \\"${hexOf(rand)}\\" for container &ContainerMetadata{Name:app,Attempt:${Math.floor(rand() * 4)},} returns container id \\"${hexOf(rand)}\\""`;
    if (r < 0.955) return `${head(stamp, micros, 'info')}msg="RunPodSandbox for &PodSandboxMetadata{Name:${p.name},Uid:${p.uid},Namespace:${p.namespace},Attempt:0,} returns sandbox id \\"${hexOf(rand)}\\""`;
    if (r < 0.975) return `${head(stamp, micros, 'info')}msg="TearDown network for sandbox \\"${hexOf(rand)}\\" successfully"`;
    return `${head(stamp, micros, 'warning')}msg="cleaning up after shim disconnected" id=${hexOf(rand)} namespace=k8s.io`;
  };
  const failure = (f: FailingOnNode, sandbox: string, stamp: Stamp, micros: string): string[] => [
    `${head(stamp, micros, 'error')}msg="RunPodSandbox for &PodSandboxMetadata{Name:${f.pod.name},Uid:${f.pod.uid},Namespace:${f.pod.namespace},Attempt:0,} failed, error" error="${esc(failureError(f, sandbox, plan))}"`,
  ];
  return logStream(plan, healthy, failure);
}

function flannelStream(plan: StreamPlan, nodeIp: string, peers: { ip: string; cidr: string }[]): AsyncGenerator<Buffer> {
  const line = (stamp: Stamp, micros: string, level: string, src: string, msg: string) =>
    `${stamp.iso}.${micros}118Z ${level}${stamp.klogDay} ${stamp.hms}.${micros}       1 ${src}] ${msg}`;
  const healthy = (rand: () => number, stamp: Stamp, _ms: number, micros: string): string => {
    const peer = peers.length > 0 ? pick(rand, peers) : { ip: nodeIp, cidr: plan.podCidr };
    const r = rand();
    if (r < 0.35) {
      return line(stamp, micros, 'I', 'vxlan_network.go:100', `Received Subnet Event with VxLan: BackendType: vxlan, PublicIP: ${peer.ip}, PublicIPv6: (nil), BackendData: {"VNI":1,"VtepMAC":"6a:2f:11:c0:9e:${hexOf(rand, 2)}"}, BackendV6Data: (nil)`);
    }
    if (r < 0.55) return line(stamp, micros, 'I', 'iptables.go:421', 'Some iptables rules are missing; deleting and recreating rules');
    if (r < 0.7) return line(stamp, micros, 'I', 'iptables.go:283', 'bootstrap done');
    if (r < 0.85) return line(stamp, micros, 'I', 'kube.go:490', `Creating the node lease for IPv4. This is the n.Spec.PodCIDRs: [${plan.podCidr}]`);
    if (r < 0.97) return line(stamp, micros, 'I', 'vxlan_network.go:158', `Handling Lease added: ${peer.cidr}`);
    return line(stamp, micros, 'W', 'reflector.go:547', 'k8s.io/client-go@v0.29.1/tools/cache/reflector.go:229: watch of *v1.Node ended with: an error on the server ("unable to decode an event from the watch stream: http2: client connection lost") has prevented the request from succeeding');
  };
  return logStream(plan, healthy, null);
}

const api = (path: string): ArtifactSource => ({ kind: 'api', method: 'GET', path });
const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
const list = (kind: string, apiVersion: string, items: unknown[]) =>
  json({ kind, apiVersion, metadata: { resourceVersion: '48213' }, items: items.map((i) => ({ apiVersion, kind: kind.replace(/List$/, ''), ...(i as object) })) });

function podIp(p: Pod): string | undefined {
  return (p.status as { podIP?: string } | undefined)?.podIP;
}

/** Writes one synthetic bundle; see the module comment for what is in it. */
export async function generateBundle(options: GenerateOptions): Promise<GenerateResult> {
  const nodes = Math.max(1, options.nodes);
  const podsPerNode = options.podsPerNode ?? 30;
  const failingNodes = Math.min(Math.max(1, options.failingNodes ?? Math.ceil(nodes / 5)), Math.max(1, nodes - 1));
  const failingPods = options.failingPods ?? failingNodes * 2;
  const lineIntervalSeconds = options.lineIntervalSeconds ?? 0.4;
  const failureEverySeconds = options.failureEverySeconds ?? 60;
  const agentLogBytes = options.agentLogBytes ?? Math.min(AGENT_TAIL_BYTES, Math.round(options.journalBytes / 4));
  const fixture: ClusterFixture = largeCluster({ nodes, pods: nodes * podsPerNode, failingPods, failingNodes });

  const nodeObjs = fixture.nodes.map((n) => ({
    name: n.metadata.name,
    cidr: (n.spec as { podCIDR: string }).podCIDR,
    ip: (n.status as { addresses: { address: string }[] }).addresses[0]!.address,
  }));
  const podsByNode = new Map<string, LogPod[]>();
  const failingByNode = new Map<string, FailingOnNode[]>();
  const failingNodeNames: string[] = [];
  for (const pod of fixture.pods) {
    const spec = pod.spec as { nodeName?: string; hostNetwork?: boolean };
    const status = pod.status as { phase?: string };
    if (!spec.nodeName || spec.hostNetwork) continue;
    const ref: LogPod = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, uid: pod.metadata.uid ?? '', ip: podIp(pod) ?? '10.244.0.9' };
    if (status.phase === 'Pending' && ref.namespace === 'default') {
      if (!failingByNode.has(spec.nodeName)) failingNodeNames.push(spec.nodeName);
      const list = failingByNode.get(spec.nodeName) ?? [];
      list.push({ pod: ref, kind: 'cni0' });
      failingByNode.set(spec.nodeName, list);
    } else {
      const list = podsByNode.get(spec.nodeName) ?? [];
      list.push(ref);
      podsByNode.set(spec.nodeName, list);
    }
  }
  // Every other failing node runs out of addresses instead of hitting the cni0 conflict; its
  // pods' events say so too.
  const ipamNodes = new Set(failingNodeNames.filter((_, i) => i % 2 === 1));
  for (const node of ipamNodes) for (const f of failingByNode.get(node) ?? []) f.kind = 'ipam';
  const ipamUids = new Set([...ipamNodes].flatMap((n) => (failingByNode.get(n) ?? []).map((f) => f.pod.uid)));
  for (const e of fixture.events) {
    if (e.reason !== 'FailedCreatePodSandBox' || !ipamUids.has(e.involvedObject.uid ?? '')) continue;
    e.message = (e.message ?? '').replace(
      /failed to delegate add: .*$/,
      'failed to delegate add: failed to allocate for range 0: no IP addresses available in range set: 10.244.0.1-10.244.0.254',
    );
  }

  const writer = await BundleWriter.create(options.output, {
    mode: 'cluster',
    overwrite: true,
    topFolder: 'cni-evidence-bench',
    request: {
      namespaces: ['default'],
      pods: [...failingByNode.values()].flat().map((f) => `${f.pod.namespace}/${f.pod.name}`),
      nodes: nodeObjs.map((n) => n.name),
      options: { bench: { nodes, journalBytes: options.journalBytes, agentLogBytes, podsPerNode, failingNodes, failingPods } },
    },
    redaction: { enabled: true },
    now: () => new Date(T0),
  });
  const started = new Date(T0);
  const counters = { lines: 0, failureLines: 0 };
  let bytes = 0;
  let artifacts = 0;
  const put = async (path: string, source: ArtifactSource, node: string | null, content: string | AsyncIterable<Uint8Array>, extra: { exitCode?: number; fileMode?: string } = {}) => {
    const entry = await writer.write({ path, source, node, startedAt: started, durationMs: 12, ...extra }, content);
    bytes += entry.bytes;
    artifacts += 1;
  };

  try {
    const failingPodObjs = fixture.pods.filter((p) => (p.status as { phase?: string }).phase === 'Pending' && p.metadata.namespace === 'default');
    await put(clusterPaths.version, api('/version'), null, json(fixture.serverVersion));
    await put(clusterPaths.nodes, api('/api/v1/nodes'), null, list('NodeList', 'v1', fixture.nodes));
    await put(clusterPaths.pods, api('/api/v1/pods'), null, list('PodList', 'v1', failingPodObjs));
    await put(clusterPaths.events, api('/api/v1/events'), null, list('EventList', 'v1', fixture.events));
    for (const ns of ['kube-system', 'kube-flannel']) {
      await put(clusterPaths.namespacePods(ns), api(`/api/v1/namespaces/${ns}/pods`), null, list('PodList', 'v1', fixture.pods.filter((p) => p.metadata.namespace === ns)));
      await put(clusterPaths.namespaceDaemonSets(ns), api(`/apis/apps/v1/namespaces/${ns}/daemonsets`), null, list('DaemonSetList', 'apps/v1', fixture.daemonSets.filter((d) => d.metadata.namespace === ns)));
    }
    for (const cm of fixture.configMaps) {
      if (!['kube-flannel-cfg', 'kube-proxy', 'kubeadm-config'].includes(cm.metadata.name)) continue;
      await put(clusterPaths.configMap(cm.metadata.namespace!, cm.metadata.name), api(`/api/v1/namespaces/${cm.metadata.namespace}/configmaps/${cm.metadata.name}`), null, json({ apiVersion: 'v1', kind: 'ConfigMap', ...cm }));
    }

    for (const [i, n] of nodeObjs.entries()) {
      const pods = podsByNode.get(n.name) ?? [];
      const failing = failingByNode.get(n.name) ?? [];
      const logPods = pods.length > 0 ? pods : [{ namespace: 'kube-system', name: `kube-proxy-${n.name}`, uid: hex64(`uid/${n.name}`).slice(0, 36), ip: n.ip }];
      const base = n.cidr.split('/')[0]!.split('.').slice(0, 3).join('.');
      const plan = (unit: number, bytesOf: number): StreamPlan => ({
        node: n.name,
        bytes: bytesOf,
        pods: logPods,
        failing,
        gateway: `${base}.1`,
        podCidr: n.cidr,
        seed: i * 7 + unit + 1,
        lineIntervalSeconds,
        failureEverySeconds,
        counters,
      });

      // The flannel pod's log (and, on a crash-looping node, its previous log from the fixture).
      const flannelPod = fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && (p.spec as { nodeName?: string }).nodeName === n.name);
      if (flannelPod) {
        const logs = fixture.logs[`kube-flannel/${flannelPod.metadata.name}/kube-flannel`];
        const path = clusterPaths.containerLog('kube-flannel', flannelPod.metadata.name, 'kube-flannel');
        await put(path, api(`/api/v1/namespaces/kube-flannel/pods/${flannelPod.metadata.name}/log?container=kube-flannel&timestamps=true`), null,
          flannelStream(plan(2, agentLogBytes), n.ip, nodeObjs.filter((o) => o.name !== n.name).slice(0, 50)));
        if (logs?.previous !== undefined) {
          await put(clusterPaths.containerLog('kube-flannel', flannelPod.metadata.name, 'kube-flannel', true), api(`/api/v1/namespaces/kube-flannel/pods/${flannelPod.metadata.name}/log?container=kube-flannel&previous=true`), null, logs.previous);
        }
      }

      // Small node files in the node collector's formats; the big journals are streamed below.
      const others = nodeObjs.filter((o) => o.name !== n.name).slice(0, 50).map((o) => ({ cidr: o.cidr, ip: o.ip }));
      const kit = new NodeKit(n.name, n.ip, n.cidr, others);
      for (const p of pods.slice(0, 40)) kit.addRunningPod(p.namespace, p.name, p.uid, p.ip);
      if (failing.some((f) => f.kind === 'cni0')) kit.cni0 = `10.${250 - (i % 5)}.${i % 256}.1/24`;
      for (const [rel, f] of kit.render()) {
        if (rel.startsWith('journal/') || f.status) continue;
        await put(`nodes/${n.name}/${rel}`, f.source, n.name, f.text, {
          ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}),
          ...(f.fileMode ? { fileMode: f.fileMode } : {}),
        });
      }
      const journal = (unit: string): ArtifactSource => ({ kind: 'command', argv: ['journalctl', '-u', unit, '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'] });
      await put(`nodes/${n.name}/journal/kubelet.log`, journal('kubelet'), n.name, kubeletStream(plan(0, options.journalBytes)), { exitCode: 0 });
      await put(`nodes/${n.name}/journal/containerd.log`, journal('containerd'), n.name, containerdStream(plan(1, options.journalBytes)), { exitCode: 0 });
    }
    const { path } = await writer.finalize({ completion: { state: 'complete' } });
    return { path, bytes, artifacts, lines: counters.lines, failureLines: counters.failureLines };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** Parses `100m`, `1g`, `2G`, `512k` or plain bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?)?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * mult);
}

/** Options for a bundle of about `totalBytes` uncompressed over `nodes` nodes. */
export function sizedOptions(output: string, totalBytes: number, nodes: number): GenerateOptions {
  // Per node: two journals plus a flannel log of at most AGENT_TAIL_BYTES (a quarter of a journal
  // for small bundles).
  const perNode = totalBytes / nodes;
  const journalBytes = Math.max(64 * 1024, perNode / 2.25 / 4 <= AGENT_TAIL_BYTES ? Math.round(perNode / 2.25) : Math.round((perNode - AGENT_TAIL_BYTES) / 2));
  return { output, nodes, journalBytes };
}
