/**
 * Every parser, and which bundle path each one reads (paths from shared/bundle/paths.ts).
 * Parsers that need the collection time (year-less timestamps) have factories taking
 * `referenceTime`; the registry's `forBundle` builds them from the manifest's createdAt.
 */
import type { LineParser, TextParser } from './types.js';
import { awsVpcCniLogParser, createAwsVpcCniLogParser } from './aws-vpc-cni-log.js';
import { calicoLogParser, createCalicoLogParser } from './calico-log.js';
import { ciliumLogParser, createCiliumLogParser } from './cilium-log.js';
import { cniCacheParser, createCniCacheParser } from './cni-cache.js';
import { cniConfigParser } from './cni-config.js';
import { conntrackStatsParser } from './conntrack-stats.js';
import { containerdLogParser, createContainerdLogParser } from './containerd-log.js';
import { dfParser } from './df.js';
import { createFlannelLogParser, flannelLogParser } from './flannel-log.js';
import { hostLocalParser } from './host-local.js';
import { ipAddrParser, ipJsonParser, ipRouteParser, ipRuleParser } from './ip.js';
import { iptablesSaveParser } from './iptables-save.js';
import { createJournalParser, journalParser } from './journal.js';
import { k8sJsonParser } from './k8s-json.js';
import { kubectlDescribePodParser } from './kubectl-describe-pod.js';
import { kubectlGetPodsWideParser } from './kubectl-get-pods-wide.js';
import { createLsParser, lsListingParser } from './ls-listing.js';
import { mountsParser } from './mounts.js';
import { nftRulesetParser } from './nft-ruleset.js';
import { subnetEnvParser } from './subnet-env.js';

export * from './types.js';
export * from './aws-vpc-cni-log.js';
export * from './calico-log.js';
export * from './cilium-log.js';
export * from './cni-cache.js';
export * from './cni-config.js';
export * from './conntrack-stats.js';
export * from './containerd-log.js';
export * from './df.js';
export * from './flannel-log.js';
export * from './host-local.js';
export * from './ip.js';
export * from './iptables-save.js';
export * from './journal.js';
export * from './k8s-json.js';
export * from './kubectl-describe-pod.js';
export * from './kubectl-get-pods-wide.js';
export * from './ls-listing.js';
export * from './mounts.js';
export * from './nft-ruleset.js';
export * from './subnet-env.js';
// Severity is re-exported under another name: analyzer/model.ts has its own Severity for findings.
export type { Severity as LogSeverity, PodRef, CniOp, BodyFormat, LogRecordBase } from './lib/log.js';

export const textParsers = {
  k8sJson: k8sJsonParser,
  kubectlDescribePod: kubectlDescribePodParser,
  kubectlGetPodsWide: kubectlGetPodsWideParser,
  cniConfig: cniConfigParser,
  lsListing: lsListingParser,
  cniCache: cniCacheParser,
  hostLocal: hostLocalParser,
  ipAddr: ipAddrParser,
  ipRoute: ipRouteParser,
  ipRule: ipRuleParser,
  ipJson: ipJsonParser,
  iptablesSave: iptablesSaveParser,
  nftRuleset: nftRulesetParser,
  conntrackStats: conntrackStatsParser,
  subnetEnv: subnetEnvParser,
  mounts: mountsParser,
  df: dfParser,
} as const satisfies Record<string, TextParser<unknown>>;

export const lineParsers = {
  journal: journalParser,
  containerdLog: containerdLogParser,
  calicoLog: calicoLogParser,
  ciliumLog: ciliumLogParser,
  flannelLog: flannelLogParser,
  awsVpcCniLog: awsVpcCniLogParser,
} as const satisfies Record<string, LineParser<unknown>>;

export type ParserChoice =
  | { type: 'text'; parser: TextParser<unknown> }
  | { type: 'line'; parser: LineParser<unknown> };

/**
 * Parsers bound to one bundle: year-less timestamps resolve against `referenceTime`, cache file
 * names split with the node's known network names, and each line parser has its own state.
 */
export function parsersForBundle(options: { referenceTime?: string; knownNetworks?: readonly string[]; noFastPaths?: boolean } = {}) {
  const referenceTime = options.referenceTime;
  const ref = referenceTime === undefined ? {} : { referenceTime };
  return {
    text: {
      ...textParsers,
      lsListing: createLsParser(ref),
      cniCache: createCniCacheParser(options.knownNetworks ? { knownNetworks: options.knownNetworks } : {}),
    },
    line: {
      journal: createJournalParser(options.noFastPaths ? { ...ref, noFastPaths: true } : ref),
      containerdLog: createContainerdLogParser(ref),
      calicoLog: createCalicoLogParser(),
      ciliumLog: createCiliumLogParser(ref),
      flannelLog: createFlannelLogParser(options.noFastPaths ? { ...ref, noFastPaths: true } : ref),
      awsVpcCniLog: createAwsVpcCniLogParser(),
    },
  };
}

type Bound = ReturnType<typeof parsersForBundle>;

/**
 * Container logs name their agent by container (cluster/logs/<ns>/<pod>/<container>.log); the
 * container decides before the pod, because canal pods run both a calico and a flannel container.
 */
function agentLogParser(path: string, p: Bound): LineParser<unknown> | undefined {
  const parts = path.toLowerCase().split('/');
  for (const name of [parts[parts.length - 1] ?? '', parts[parts.length - 2] ?? '']) {
    if (/flannel/.test(name)) return p.line.flannelLog;
    if (/calico|canal|install-cni|felix/.test(name)) return p.line.calicoLog;
    if (/cilium/.test(name)) return p.line.ciliumLog;
    if (/aws-node|aws-routed-eni|ipamd|plugin\.log|aws-vpc-cni|aws-eks-nodeagent/.test(name)) return p.line.awsVpcCniLog;
  }
  return undefined;
}

/**
 * The parser for a bundle path, or undefined for files no parser reads. Follows the layout in
 * shared/bundle/paths.ts; `ip -j` output is recognized by a `.json` suffix.
 */
export function parserForPath(path: string, bound: Bound = parsersForBundle()): ParserChoice | undefined {
  const t = (parser: TextParser<unknown>): ParserChoice => ({ type: 'text', parser });
  const l = (parser: LineParser<unknown>): ParserChoice => ({ type: 'line', parser });
  if (path.startsWith('cluster/')) {
    if (path.startsWith('cluster/logs/')) {
      const agent = agentLogParser(path, bound);
      return agent ? l(agent) : undefined;
    }
    if (path.startsWith('cluster/describe/')) return t(bound.text.kubectlDescribePod);
    if (path === 'cluster/pods-wide.txt') return t(bound.text.kubectlGetPodsWide);
    if (path.endsWith('.json')) return t(bound.text.k8sJson);
    return undefined;
  }
  const m = /^nodes\/[^/]+\/(.+)$/.exec(path);
  if (!m) return undefined;
  const rest = m[1]!;
  if (rest.startsWith('journal/')) return l(bound.line.journal);
  if (rest.startsWith('logs/')) {
    const agent = agentLogParser(rest, bound);
    if (agent) return l(agent);
    return /containerd/.test(rest) ? l(bound.line.containerdLog) : undefined;
  }
  if (rest.endsWith('.ls')) return t(bound.text.lsListing);
  if (rest.startsWith('cni/net.d/')) return t(bound.text.cniConfig);
  if (rest.startsWith('cni/results/')) return t(bound.text.cniCache);
  if (rest.startsWith('cni/networks/')) return t(bound.text.hostLocal);
  if (rest.startsWith('cni/flannel/')) return t(bound.text.cniConfig);
  if (rest.startsWith('net/') && rest.endsWith('.json')) return t(bound.text.ipJson);
  switch (rest) {
    case 'net/ip-addr.txt':
    case 'net/ip-link.txt':
      return t(bound.text.ipAddr);
    case 'net/ip-route.txt':
      return t(bound.text.ipRoute);
    case 'net/ip-rule.txt':
      return t(bound.text.ipRule);
    case 'net/iptables-save.txt':
    case 'net/iptables-legacy-save.txt':
      return t(bound.text.iptablesSave);
    case 'net/nft-ruleset.txt':
      return t(bound.text.nftRuleset);
    case 'net/conntrack-stats.txt':
      return t(bound.text.conntrackStats);
    case 'flannel/subnet.env':
      return t(bound.text.subnetEnv);
    case 'system/df.txt':
      return t(bound.text.df);
    case 'system/mounts.txt':
      return t(bound.text.mounts);
    default:
      return undefined;
  }
}
