/**
 * Blast radius: one pod, one node, a node pool, or the whole cluster; and the "why only this
 * node?" answer, which the rule that found the cause knows best.
 */
import type { Evidence } from '../evidence/types.js';
import type { BlastRadius } from '../model.js';
import type { K8sNodeRecord } from '../parsers/index.js';

function poolOf(node: K8sNodeRecord | undefined): string | undefined {
  if (!node) return undefined;
  if (node.nodePool) return `${node.nodePool.label}=${node.nodePool.name}`;
  return node.instanceType ? `node.kubernetes.io/instance-type=${node.instanceType}` : undefined;
}

export function blastRadius(evidence: Evidence, affectedNodes: string[], affectedPods: string[], whyHere: string | undefined): BlastRadius {
  const nodes = [...new Set(affectedNodes)].sort();
  const pods = [...new Set(affectedPods)].sort();
  const known = evidence.cluster.nodes;
  const names = known.length > 0 ? known.map((n) => n.name) : [...evidence.nodes.keys()];
  const others = names.filter((n) => !nodes.includes(n));

  if (nodes.length === 0) {
    return { kind: pods.length <= 1 ? 'pod' : 'cluster', nodes, pods, explanation: whyHere ?? 'The bundle does not say which node the pod was scheduled to.' };
  }
  if (names.length > 1 && others.length === 0) {
    return { kind: 'cluster', nodes, pods, explanation: whyHere ?? `Every node in the bundle (${nodes.join(', ')}) shows this cause: look for a cluster-wide change (CNI upgrade, config, credentials).` };
  }
  if (nodes.length > 1) {
    const pools = new Set(nodes.map((n) => poolOf(known.find((k) => k.name === n))));
    const pool = pools.size === 1 ? [...pools][0] : undefined;
    if (pool) {
      const poolNodes = known.filter((k) => poolOf(k) === pool).map((k) => k.name);
      if (poolNodes.every((n) => nodes.includes(n)) && others.length > 0) {
        return { kind: 'node-pool', nodes, pods, explanation: whyHere ?? `All nodes of the pool ${pool} are affected and nodes outside it are not: compare the pool's image, kernel and CNI settings with the healthy pool.` };
      }
    }
  }
  if (pods.length === 1 && nodes.length === 1 && whyHere === undefined) {
    return { kind: 'pod', nodes, pods, explanation: `Only ${pods[0]} shows this failure in the bundle.` };
  }
  const contrast = others.length > 0 ? ` ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''} ${others.length === 1 ? 'does' : 'do'} not show it.` : '';
  return {
    kind: 'node',
    nodes,
    pods,
    explanation: whyHere ? `${whyHere}${contrast}` : `Only ${nodes.join(', ')} ${nodes.length === 1 ? 'is' : 'are'} affected in this bundle.${contrast}`,
  };
}
