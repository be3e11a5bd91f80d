/**
 * Kit benders shared by the config-and-runtime rule tables (the harness is rows.ts).
 */
import { at, hex64, type NodeKit, type SampleKit } from '../../../../samples/recipes/kit.js';
import { agentDaemonSet, agentPod, type AgentPlan } from '../../../../samples/recipes/lib/agents.js';

/** `ls -ln --time-style=full-iso` listing line of a file `secondsBefore` the bundle. */
export function lsLine(mode: string, size: number, secondsBefore: number, name: string): string {
  const d = new Date(Date.parse(at(secondsBefore)));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${mode} 1 0 0 ${size} ${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 ${name}`;
}

/** /opt/cni/bin with each plugin's VERSION answer (supportedVersions), or none (older collectors). */
export function setBinListing(node: NodeKit, plugins: Record<string, readonly string[] | null>): void {
  const lines = Object.entries(plugins).map(([name, versions]) => {
    const v = versions ? `\tversion=${JSON.stringify({ cniVersion: versions[versions.length - 1], supportedVersions: versions })}` : '';
    return `${lsLine('-rwxr-xr-x', 2_900_000 + name.length * 1013, 9 * 86_400, name)}\tsha256=${hex64(`bin/${name}`)}${v}`;
  });
  node.set('cni/bin.ls', ['# cni-evidence listing v1: /opt/cni/bin (ls -ln --time-style=full-iso, TZ=UTC)', lsLine('drwxr-xr-x', 4096, 9 * 86_400, '.'), ...lines].join('\n') + '\n', { kind: 'file', path: '/opt/cni/bin' });
}

export const ALL_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;

/** A Cilium DaemonSet with a running agent on every node, beside the kit's flannel. */
export function addCiliumAgents(kit: SampleKit): void {
  const image = 'quay.io/cilium/cilium:v1.16.5';
  const plan: AgentPlan = {
    namespace: 'kube-system',
    daemonSet: 'cilium',
    labels: { 'k8s-app': 'cilium', 'app.kubernetes.io/name': 'cilium-agent' },
    serviceAccount: 'cilium',
    volumes: [
      { name: 'cni-path', hostPath: { path: '/opt/cni/bin', type: 'DirectoryOrCreate' } },
      { name: 'etc-cni-netd', hostPath: { path: '/etc/cni/net.d', type: 'DirectoryOrCreate' } },
    ],
    initContainers: [{ name: 'install-cni-binaries', image, command: ['/install-plugin.sh'], volumeMounts: [{ name: 'cni-path', mountPath: '/host/opt/cni/bin' }] }],
    containers: [{ name: 'cilium-agent', image, command: ['cilium-agent'], args: ['--config-dir=/tmp/cilium/config-map'], volumeMounts: [{ name: 'etc-cni-netd', mountPath: '/host/etc/cni/net.d' }] }],
  };
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  for (const node of kit.nodes.keys()) kit.fixture.pods.push(agentPod(kit, plan, node, 3 * 86_400));
}

/** The stuck pod is being deleted (Terminating): set after its sandbox failures. */
export function markTerminating(kit: SampleKit, secondsBefore = 1_500): void {
  const pod = kit.stuckPod;
  pod.metadata.deletionTimestamp = at(secondsBefore).replace(/\.\d+Z$/, 'Z');
  (pod.metadata as Record<string, unknown>).deletionGracePeriodSeconds = 30;
}
