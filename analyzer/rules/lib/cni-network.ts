/**
 * What a pod gets from a config: the address range and the bridge, in words, and which running
 * pods on a node visibly got it (their IP inside the config's range, outside the node's podCIDR).
 */
import type { Evidence, NodeEvidence } from '../../evidence/types.js';
import type { CniConfigRecord, K8sPodRecord } from '../../parsers/index.js';
import { FAMILIES, familiesOf } from './cni-owners.js';
import { contains } from './cidr.js';

/** The host-local subnets a config hands out, if it uses host-local. */
export function hostLocalSubnets(config: CniConfigRecord): string[] {
  const out: string[] = [];
  for (const p of config.plugins) {
    const ipam = p.ipam;
    if (!ipam || ipam.type !== 'host-local') continue;
    if (ipam.subnet) out.push(ipam.subnet);
    for (const set of ipam.ranges) for (const r of set) if (r.subnet) out.push(r.subnet);
  }
  return out;
}

/** "addresses from 10.88.0.0/16 on bridge cni0", "Calico's IPAM". */
export function whatPodsGet(config: CniConfigRecord, node: NodeEvidence): string {
  const subnets = hostLocalSubnets(config);
  const bridge = config.plugins.find((p) => p.type === 'bridge')?.bridge;
  if (subnets.length > 0) return `addresses from ${subnets.join(', ')}${bridge ? ` on bridge ${bridge}` : ''} (network "${config.name ?? '?'}")`;
  const families = familiesOf(config);
  if (families.includes('flannel')) return `flannel's addresses${node.subnetEnv?.subnet ? ` from ${node.subnetEnv.subnet}` : ''} (network "${config.name ?? 'cbr0'}")`;
  if (families.length > 0) return `${families.map((f) => FAMILIES[f].label).join(' + ')}'s network and IPAM (network "${config.name ?? '?'}")`;
  return `network "${config.name ?? '?'}" (${config.pluginTypes.join(', ')})`;
}

/** Running pods on the node whose IP came from the config's host-local range, not the node's podCIDR. */
export function podsOnConfigRange(evidence: Evidence, node: string, config: CniConfigRecord): K8sPodRecord[] {
  const subnets = hostLocalSubnets(config);
  if (subnets.length === 0) return [];
  const apiNode = evidence.cluster.nodes.find((n) => n.name === node);
  const podCidr = apiNode?.podCIDRs[0] ?? apiNode?.podCIDR;
  return evidence.cluster.pods.filter(
    (p) => p.nodeName === node && !p.hostNetwork && p.podIP && subnets.some((s) => contains(s, p.podIP)) && !(podCidr && contains(podCidr, p.podIP)),
  );
}
