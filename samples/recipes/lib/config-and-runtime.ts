/**
 * Sample builders for CNI config and container-runtime failures: listings with per-file times,
 * `crictl info` as containerd prints it, a node's NotReady condition, a healthy flannel pod on a
 * node, and the stuck pod's sandbox failures with the event text and journal text told apart
 * (events keep real newlines; journal lines carry them escaped).
 */
import { at, hex64, type NodeKit, type SampleKit } from '../kit.js';
import { flannelPodOn, healAgent } from './agents.js';

const T0 = Date.parse(at(0));
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `ls -ln --time-style=full-iso` time of a moment `secondsBefore` the bundle. */
export function fullIso(secondsBefore: number): string {
  const d = new Date(T0 - secondsBefore * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}482113 +0000`;
}

export interface ListedFile {
  name: string;
  size: number;
  secondsBefore: number;
  mode?: string;
}

/** A collector listing (`# cni-evidence listing v1` header, the dir itself as `.`). */
export function listingText(dir: string, entries: readonly ListedFile[], dirSecondsBefore = 5 * 86_400): string {
  const line = (mode: string, size: number, ago: number, name: string) => `${mode} 1 0 0 ${size} ${fullIso(ago)} ${name}`;
  return [`# cni-evidence listing v1: ${dir} (ls -ln --time-style=full-iso, TZ=UTC)`, line('drwxr-xr-x', 4096, dirSecondsBefore, '.'), ...entries.map((e) => line(e.mode ?? '-rw-r--r--', e.size, e.secondsBefore, e.name))].join('\n') + '\n';
}

/** Writes /etc/cni/net.d with per-file times, and the dir's own time (recreated dirs are new). */
export function setNetD(node: NodeKit, files: ReadonlyArray<{ name: string; text: string; secondsBefore: number; mode?: string }>, dirSecondsBefore = 5 * 86_400): void {
  node.netD = new Map(files.map((f) => [f.name, f.text]));
  node.set('cni/net.d.ls', listingText('/etc/cni/net.d', files.map((f) => ({ name: f.name, size: Buffer.byteLength(f.text), secondsBefore: f.secondsBefore, ...(f.mode ? { mode: f.mode } : {}) })), dirSecondsBefore), { kind: 'file', path: '/etc/cni/net.d' });
}

export interface CriInfoOptions {
  networkReady?: boolean;
  /** containerd's lastCNILoadStatus ("OK" when loaded). */
  lastCNILoadStatus?: string;
  /** Loaded networks besides cni-loopback: [name, cniVersion, plugin types]. */
  networks?: ReadonlyArray<readonly [string, string, readonly string[]]>;
  confDir?: string;
  binDir?: string;
}

/** `crictl info` of containerd 1.7, as the collector saves it. */
export function criInfo(o: CriInfoOptions = {}): string {
  const ready = o.networkReady ?? true;
  const status = o.lastCNILoadStatus ?? 'OK';
  const confDir = o.confDir ?? '/etc/cni/net.d';
  const binDir = o.binDir ?? '/opt/cni/bin';
  const network = (name: string, version: string, types: readonly string[], ifName: string) => ({
    Config: { Name: name, CNIVersion: version, Plugins: types.map((t) => ({ Network: { type: t, ipam: {}, dns: {} }, Source: JSON.stringify({ type: t }) })), Source: JSON.stringify({ cniVersion: version, name, plugins: types.map((t) => ({ type: t })) }) },
    IFName: ifName,
  });
  const info = {
    status: {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        ready ? { type: 'NetworkReady', status: true, reason: '', message: '' } : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' },
      ],
    },
    cniconfig: {
      PluginDirs: [binDir],
      PluginConfDir: confDir,
      PluginMaxConfNum: 1,
      Prefix: 'eth',
      Networks: [network('cni-loopback', '0.3.1', ['loopback'], 'lo'), ...(o.networks ?? [['cbr0', '0.3.1', ['flannel', 'portmap']]]).map(([n, v, t], i) => network(n, v, t, `eth${i}`))],
    },
    config: {
      containerd: { snapshotter: 'overlayfs', defaultRuntimeName: 'runc' },
      cni: { binDir, confDir, maxConfNum: 1, setupSerially: false, confTemplate: '', ipPref: '' },
      enableSelinux: false,
      sandboxImage: 'registry.k8s.io/pause:3.10',
      maxConcurrentDownloads: 3,
    },
    golang: 'go1.23.8',
    lastCNILoadStatus: status,
    'lastCNILoadStatus.default': status,
  };
  return `${JSON.stringify(info, null, 2)}\n`;
}

export function setCriInfo(node: NodeKit, o: CriInfoOptions): void {
  node.set('cri/info.json', criInfo(o), { kind: 'command', argv: ['crictl', 'info'] }, { exitCode: 0 });
}

/** The node's Ready condition as the kubelet reports a runtime without a CNI network. */
export function setNetworkNotReady(kit: SampleKit, node: string, sinceSecondsBefore: number, message = 'Network plugin returns error: cni plugin not initialized'): void {
  const n = kit.fixture.nodes.find((x) => x.metadata.name === node)!;
  const ready = n.status.conditions?.find((c) => c.type === 'Ready');
  if (ready) {
    Object.assign(ready, {
      status: 'False',
      reason: 'KubeletNotReady',
      message: `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${message}`,
      lastTransitionTime: at(sinceSecondsBefore).replace(/\.\d+Z$/, 'Z'),
    });
  }
}

/** The fixture's crash-looping flannel pod on `node` made healthy, with a healthy log. */
export function healFlannelOn(kit: SampleKit, node: string): void {
  const pod = flannelPodOn(kit, node);
  healAgent(kit, pod);
  const donor = flannelPodOn(kit, node === 'node-3' ? 'node-1' : 'node-3');
  const donorNode = donor.spec.nodeName!;
  const healthy = kit.fixture.logs[`kube-flannel/${donor.metadata.name}/kube-flannel`]?.current ?? '';
  const from = kit.node(donorNode).podCidr.split('.').slice(0, 3).join('.');
  const to = kit.node(node).podCidr.split('.').slice(0, 3).join('.');
  kit.fixture.logs[`kube-flannel/${pod.metadata.name}/kube-flannel`] = { current: healthy.replaceAll(donorNode, node).replaceAll(`${from}.`, `${to}.`) };
}

/**
 * The stuck pod's sandbox failures: `event` goes to its FailedCreatePodSandBox/FailedKillPod
 * events as the kubelet wrote them, `journal` (defaults to `event` with newlines escaped) to the
 * kubelet and containerd lines.
 */
export function failStuck(kit: SampleKit, event: string, o: { journal?: string; op?: 'add' | 'delete'; ages?: number[] } = {}): string[] {
  const pod = kit.stuckPod;
  const node = kit.node(pod.spec.nodeName!);
  const op = o.op ?? 'add';
  kit.setSandboxError(
    pod,
    op === 'add'
      ? `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": ${event}`
      : `error killing pod: failed to "KillPodSandbox" for "${pod.metadata.uid}" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"{sandbox}\\": ${event.replace(/"/g, '\\"')}"`,
    op === 'add' ? 'FailedCreatePodSandBox' : 'FailedKillPod',
  );
  const journal = o.journal ?? event.replace(/\n/g, '\\n');
  const ref = { namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid! };
  const ages = o.ages ?? [420, 300, 180, 60];
  let ids = ages.map((age) => node.failSandbox(ref, journal, age, op));
  if (op === 'delete') {
    // The kubelet retries the teardown of one and the same sandbox.
    for (const lines of [node.kubelet, node.containerd]) lines.forEach((l, i) => (lines[i] = ids.reduce((t, id) => t.replaceAll(id, ids[0]!), l)));
    ids = ids.map(() => ids[0]!);
  }
  const esc = (t: string) => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  if (op === 'delete') {
    // The kubelet's pod worker names the pod beside the sandbox it could not kill.
    ages.forEach((age, i) => {
      const err = `failed to "KillPodSandbox" for "${ref.uid}" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"${ids[i]}\\": ${esc(journal)}"`;
      node.kubelet.push(node.klog(age, 'E', 'pod_workers.go:1301', `"Error syncing pod, skipping" err="${esc(err)}" pod="${ref.namespace}/${ref.name}" podUID="${ref.uid}"`));
    });
  }
  // The events name the same sandboxes the journal does.
  const events = kit.eventsFor(pod).filter((e) => e.reason === 'FailedCreatePodSandBox' || e.reason === 'FailedKillPod');
  events.forEach((e, i) => {
    const placeholder = hex64(`${e.metadata.name}/sandbox`);
    e.message = (e.message ?? '').replaceAll(placeholder, ids[Math.min(i, ids.length - 1)]!);
  });
  return ids;
}

/** containerd's example network from its install guide (containerd.io / getting-started). */
export const CONTAINERD_NET_CONFLIST = `{
  "cniVersion": "1.0.0",
  "name": "containerd-net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "promiscMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [{
            "subnet": "10.88.0.0/16"
          }],
          [{
            "subnet": "2001:4860:4860::/64"
          }]
        ],
        "routes": [
          { "dst": "0.0.0.0/0" },
          { "dst": "::/0" }
        ]
      }
    },
    {
      "type": "portmap",
      "capabilities": {"portMappings": true}
    }
  ]
}
`;

/** Cilium's conflist as cilium-agent writes it (the file an uninstall can leave behind). */
export const CILIUM_LEFTOVER_CONFLIST = `{
  "cniVersion": "0.3.1",
  "name": "cilium",
  "plugins": [
    {
       "type": "cilium-cni",
       "enable-debug": false,
       "log-file": "/var/run/cilium/cilium-cni.log"
    }
  ]
}
`;
