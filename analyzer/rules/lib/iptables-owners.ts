/**
 * Who wrote an iptables chain, from its name: every component that programs iptables on a node
 * uses its own prefix (KUBE- for kube-proxy and the kubelet, CNI- for the bridge/portmap plugins,
 * cali- for Felix…). Rules about several writers on one node (lock contention, two backends) say
 * which components are involved with this.
 */
import type { IptablesChainRecord, IptablesRecord, IptablesSummaryRecord } from '../../parsers/index.js';

export interface ChainOwner {
  id: string;
  /** Human name for messages. */
  label: string;
}

const OWNERS: { pattern: RegExp; owner: ChainOwner }[] = [
  // The kubelet's own chains: KUBE-IPTABLES-HINT marks the backend the kubelet uses.
  { pattern: /^KUBE-(IPTABLES-HINT|KUBELET-CANARY|FIREWALL)$/, owner: { id: 'kubelet', label: 'the kubelet (KUBE-IPTABLES-HINT, KUBE-FIREWALL)' } },
  { pattern: /^KUBE-ROUTER-/, owner: { id: 'kube-router', label: 'kube-router (KUBE-ROUTER-*)' } },
  { pattern: /^KUBE-/, owner: { id: 'kube-proxy', label: 'kube-proxy (KUBE-SERVICES, KUBE-SVC-*, KUBE-POSTROUTING…)' } },
  { pattern: /^CNI-/, owner: { id: 'cni-plugins', label: 'the CNI plugins run by the runtime (bridge ipMasq, portmap: CNI-*)' } },
  { pattern: /^FLANNEL-/, owner: { id: 'flannel', label: 'flannel (FLANNEL-*)' } },
  { pattern: /^cali-/, owner: { id: 'calico', label: 'Calico Felix (cali-*)' } },
  { pattern: /^(OLD_)?CILIUM_/, owner: { id: 'cilium', label: 'Cilium (CILIUM_*)' } },
  { pattern: /^AWS-/, owner: { id: 'aws-node', label: 'the AWS VPC CNI (AWS-SNAT-CHAIN-*, AWS-CONNMARK-CHAIN-*)' } },
  { pattern: /^WEAVE/, owner: { id: 'weave', label: 'Weave Net (WEAVE-*)' } },
  { pattern: /^ANTREA-/, owner: { id: 'antrea', label: 'Antrea (ANTREA-*)' } },
  { pattern: /^DOCKER/, owner: { id: 'docker', label: 'Docker (DOCKER*)' } },
  { pattern: /^(ufw|ufw6)-/, owner: { id: 'ufw', label: 'ufw (ufw-*)' } },
  { pattern: /^f2b-/, owner: { id: 'fail2ban', label: 'fail2ban (f2b-*)' } },
];

export function ownerOfChain(chain: string): ChainOwner | undefined {
  return OWNERS.find((o) => o.pattern.test(chain))?.owner;
}

export interface OwnerCensus {
  owner: ChainOwner;
  chains: IptablesChainRecord[];
  /** Rules in the owner's chains. */
  rules: number;
}

/** The user chains of one iptables-save dump, grouped by the component that owns them. */
export function chainOwners(records: readonly IptablesRecord[]): Map<string, OwnerCensus> {
  const out = new Map<string, OwnerCensus>();
  for (const r of records) {
    if (r.kind !== 'iptables-chain' || r.builtin) continue;
    const owner = ownerOfChain(r.chain);
    if (!owner) continue;
    let census = out.get(owner.id);
    if (!census) out.set(owner.id, (census = { owner, chains: [], rules: 0 }));
    census.chains.push(r);
    census.rules += r.ruleCount;
  }
  return out;
}

export function summaryOf(records: readonly IptablesRecord[]): IptablesSummaryRecord | undefined {
  return records.find((r): r is IptablesSummaryRecord => r.kind === 'iptables-summary');
}

/** Rules plus user chains: a dump with neither holds only empty built-in chains. */
export function contentOf(records: readonly IptablesRecord[]): { rules: number; userChains: number } {
  let rules = 0;
  let userChains = 0;
  for (const r of records) {
    if (r.kind === 'iptables-rule') rules++;
    else if (r.kind === 'iptables-chain' && !r.builtin) userChains++;
  }
  return { rules, userChains };
}

/** `kube-proxy, flannel and the CNI plugins`: owner labels joined for a sentence. */
export function joinLabels(labels: readonly string[]): string {
  if (labels.length <= 1) return labels[0] ?? '';
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}
