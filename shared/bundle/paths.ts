/**
 * Bundle paths, format v1 (docs/bundle-format.md). Collectors write to these paths and the
 * analyzer reads from them; both import them from here so a rename is one edit.
 */

export const MANIFEST_PATH = 'manifest.json';

/** Path segments that come from the cluster (node, namespace, pod names) are made safe here. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[/\\\u0000]/g, '_').replace(/^\.+$/, '_');
  return cleaned.length === 0 ? '_' : cleaned;
}

export const clusterPaths = {
  version: 'cluster/version.json',
  nodes: 'cluster/nodes.json',
  pods: 'cluster/pods.json',
  events: 'cluster/events.json',
  podsGetWide: 'cluster/pods-wide.txt',
  namespacePods: (ns: string) => `cluster/${safeSegment(ns)}/pods.json`,
  namespaceDaemonSets: (ns: string) => `cluster/${safeSegment(ns)}/daemonsets.json`,
  configMap: (ns: string, name: string) => `cluster/configmaps/${safeSegment(ns)}/${safeSegment(name)}.json`,
  containerLog: (ns: string, pod: string, container: string, previous = false) =>
    `cluster/logs/${safeSegment(ns)}/${safeSegment(pod)}/${safeSegment(container)}${previous ? '.previous' : ''}.log`,
  describe: (ns: string, pod: string) => `cluster/describe/${safeSegment(ns)}/${safeSegment(pod)}.txt`,
  accessReview: 'cluster/access-review.json',
} as const;

export function nodeRoot(node: string): string {
  return `nodes/${safeSegment(node)}`;
}

export const nodePaths = {
  journal: (node: string, unit: string) => `${nodeRoot(node)}/journal/${safeSegment(unit)}.log`,
  /** A CNI plugin's own log under /var/log on the node; `relative` is the path below /var/log. */
  varLog: (node: string, relative: string) => `${nodeRoot(node)}/logs/${relative.replace(/^\/+/, '')}`,
  netD: (node: string, file: string) => `${nodeRoot(node)}/cni/net.d/${safeSegment(file)}`,
  netDListing: (node: string) => `${nodeRoot(node)}/cni/net.d.ls`,
  binListing: (node: string) => `${nodeRoot(node)}/cni/bin.ls`,
  binVersions: (node: string) => `${nodeRoot(node)}/cni/bin-versions.txt`,
  result: (node: string, file: string) => `${nodeRoot(node)}/cni/results/${safeSegment(file)}`,
  resultsListing: (node: string) => `${nodeRoot(node)}/cni/results.ls`,
  network: (node: string, network: string, file: string) =>
    `${nodeRoot(node)}/cni/networks/${safeSegment(network)}/${safeSegment(file)}`,
  networksListing: (node: string) => `${nodeRoot(node)}/cni/networks.ls`,
  flannelCache: (node: string, file: string) => `${nodeRoot(node)}/cni/flannel/${safeSegment(file)}`,
  ipAddr: (node: string) => `${nodeRoot(node)}/net/ip-addr.txt`,
  ipLink: (node: string) => `${nodeRoot(node)}/net/ip-link.txt`,
  ipRoute: (node: string) => `${nodeRoot(node)}/net/ip-route.txt`,
  ipRule: (node: string) => `${nodeRoot(node)}/net/ip-rule.txt`,
  iptablesSave: (node: string) => `${nodeRoot(node)}/net/iptables-save.txt`,
  iptablesLegacySave: (node: string) => `${nodeRoot(node)}/net/iptables-legacy-save.txt`,
  nftRuleset: (node: string) => `${nodeRoot(node)}/net/nft-ruleset.txt`,
  conntrackStats: (node: string) => `${nodeRoot(node)}/net/conntrack-stats.txt`,
  flannelSubnetEnv: (node: string) => `${nodeRoot(node)}/flannel/subnet.env`,
  uname: (node: string) => `${nodeRoot(node)}/system/uname.txt`,
  osRelease: (node: string) => `${nodeRoot(node)}/system/os-release`,
  df: (node: string) => `${nodeRoot(node)}/system/df.txt`,
  mounts: (node: string) => `${nodeRoot(node)}/system/mounts.txt`,
  date: (node: string) => `${nodeRoot(node)}/system/date.txt`,
  dmesg: (node: string) => `${nodeRoot(node)}/system/dmesg.txt`,
  sysctlNet: (node: string) => `${nodeRoot(node)}/system/sysctl-net.txt`,
  criPods: (node: string) => `${nodeRoot(node)}/cri/pods.json`,
  criInfo: (node: string) => `${nodeRoot(node)}/cri/info.json`,
  runtimeConfig: (node: string, file: string) => `${nodeRoot(node)}/runtime/${safeSegment(file)}`,
  /** /proc/uptime: boot time against the mtimes of cache and reservation files. */
  uptime: (node: string) => `${nodeRoot(node)}/system/uptime.txt`,
  /** /var/run/netns listing: reservations whose sandbox netns is gone are leaks. */
  netnsListing: (node: string) => `${nodeRoot(node)}/net/netns.ls`,
  /** k3s/rke2 keep their own CNI config, plugins, runtime config and runtime log under /var/lib/rancher. */
  distroNetD: (node: string, distro: string, file: string) =>
    `${nodeRoot(node)}/distro/${safeSegment(distro)}/cni/net.d/${safeSegment(file)}`,
  distroNetDListing: (node: string, distro: string) => `${nodeRoot(node)}/distro/${safeSegment(distro)}/cni/net.d.ls`,
  distroBinListing: (node: string, distro: string) => `${nodeRoot(node)}/distro/${safeSegment(distro)}/cni/bin.ls`,
  distroFile: (node: string, distro: string, file: string) => `${nodeRoot(node)}/distro/${safeSegment(distro)}/${safeSegment(file)}`,
} as const;

/** Splits `nodes/<node>/<rest>` into its parts; null for paths outside a node folder. */
export function parseNodePath(path: string): { node: string; rest: string } | null {
  const match = /^nodes\/([^/]+)\/(.+)$/.exec(path);
  return match ? { node: match[1]!, rest: match[2]! } : null;
}

/**
 * The v1 layout as patterns, for `pack` (is this a path the analyzer reads?) and `inspect`.
 * `[^/]+` stands for one name: node, namespace, pod, container or file.
 */
export const KNOWN_PATH_PATTERNS: readonly RegExp[] = [
  /^cluster\/(version|nodes|pods|events|access-review)\.json$/,
  /^cluster\/pods-wide\.txt$/,
  /^cluster\/[^/]+\/(pods|daemonsets)\.json$/,
  /^cluster\/configmaps\/[^/]+\/[^/]+\.json$/,
  /^cluster\/logs\/[^/]+\/[^/]+\/[^/]+\.log$/,
  /^cluster\/describe\/[^/]+\/[^/]+\.txt$/,
  /^nodes\/[^/]+\/journal\/[^/]+\.log$/,
  /^nodes\/[^/]+\/logs\/.+$/,
  /^nodes\/[^/]+\/cni\/net\.d\/[^/]+$/,
  /^nodes\/[^/]+\/cni\/(net\.d|bin|results|networks)\.ls$/,
  /^nodes\/[^/]+\/cni\/bin-versions\.txt$/,
  /^nodes\/[^/]+\/cni\/results\/[^/]+$/,
  /^nodes\/[^/]+\/cni\/networks\/[^/]+\/[^/]+$/,
  /^nodes\/[^/]+\/cni\/flannel\/[^/]+$/,
  /^nodes\/[^/]+\/net\/[^/]+\.txt$/,
  /^nodes\/[^/]+\/flannel\/subnet\.env$/,
  /^nodes\/[^/]+\/system\/(uname\.txt|os-release|df\.txt|mounts\.txt|date\.txt|dmesg\.txt|sysctl-net\.txt|uptime\.txt)$/,
  /^nodes\/[^/]+\/net\/netns\.ls$/,
  /^nodes\/[^/]+\/distro\/[^/]+\/cni\/net\.d\/[^/]+$/,
  /^nodes\/[^/]+\/distro\/[^/]+\/cni\/(net\.d|bin)\.ls$/,
  /^nodes\/[^/]+\/distro\/[^/]+\/[^/]+$/,
  /^nodes\/[^/]+\/cri\/(pods|info)\.json$/,
  /^nodes\/[^/]+\/runtime\/[^/]+$/,
];

export function isKnownPath(path: string): boolean {
  return KNOWN_PATH_PATTERNS.some((pattern) => pattern.test(path));
}
