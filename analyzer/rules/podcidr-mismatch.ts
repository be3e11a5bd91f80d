/**
 * The node's bridge (cni0) or flannel's subnet.env disagrees with the subnet the node should
 * use. The bridge plugin then refuses every ADD with `"cni0" already has an IP address different
 * from <gw>`: typical after a node re-registered and got a new podCIDR, or flannel was reset.
 */
import { contains, networkOf, sameNetwork } from './lib/cidr.js';
import { defineRule } from './define.js';

export const CONFLICT = /"?([\w.-]+)"? already has an IP address different from ([0-9a-f.:]+\/\d+)/i;
/**
 * Whether CONFLICT matches, without its captures: the same texts (the leading `"?` may match
 * nothing and `[\w.-]+` / `[0-9a-f.:]+\/\d+` need only their first character), but no
 * backtracking through every word of a long message: 50× faster on the symptoms of a big bundle.
 */
export const HAS_CONFLICT = /[\w.-]"? already has an IP address different from [0-9a-f.:]+\/\d/i;

export default defineRule({
  id: 'podcidr-mismatch',
  title: "The node's CNI bridge or flannel subnet disagrees with its podCIDR",
  severity: 'critical',
  cni: true,
  needs: ['net/ip-addr.txt', 'flannel/subnet.env', 'cni/net.d/*', 'cluster/nodes.json'],
  description:
    'Compares, per node, the podCIDR from the API, FLANNEL_SUBNET from /run/flannel/subnet.env, the subnet in the node CNI config and the address on the bridge (cni0). A bridge holding an old subnet makes the bridge plugin fail every ADD with "already has an IP address different from".',
  check(ctx) {
    const nodeNames = new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)]);
    for (const name of [...nodeNames].sort()) {
      const node = ctx.evidence.nodes.get(name);
      const apiNode = ctx.evidence.cluster.nodes.find((n) => n.name === name);
      const conflicts = ctx.symptomsMatching(HAS_CONFLICT, name);
      const podCidr = apiNode?.podCIDRs[0] ?? apiNode?.podCIDR;
      const subnetEnv = node?.subnetEnv;
      const flannelSubnet = subnetEnv?.subnet;
      const bridgeName = CONFLICT.exec(conflicts[0]?.message ?? '')?.[1] ?? node?.cniConfigs.flatMap((c) => c.plugins).find((p) => p.type === 'bridge' && p.bridge)?.bridge ?? 'cni0';
      const bridgeAddrs = node?.ipAddrs.filter((a) => a.ifName === bridgeName && a.family === 'inet') ?? [];
      const expected = flannelSubnet ?? podCidr;
      const citations = [];
      const disagreements: string[] = [];

      if (podCidr && flannelSubnet && !sameNetwork(podCidr, flannelSubnet)) {
        disagreements.push(`flannel's subnet.env says ${flannelSubnet} but the node's podCIDR is ${podCidr}`);
        citations.push(ctx.cite(apiNode!, `${name} spec.podCIDR: ${podCidr}`));
        const v = subnetEnv!.vars['FLANNEL_SUBNET'];
        citations.push(ctx.cite({ file: subnetEnv!.file, line: v?.line ?? 0 }, `FLANNEL_SUBNET=${flannelSubnet}`));
      }
      const wrongBridge = expected ? bridgeAddrs.filter((a) => !contains(networkOf(expected), a.address)) : [];
      if (expected && wrongBridge.length > 0 && bridgeAddrs.every((a) => !contains(networkOf(expected), a.address))) {
        const a = wrongBridge[0]!;
        disagreements.push(`${bridgeName} holds ${a.cidr}, outside ${networkOf(expected)}${flannelSubnet ? ' (FLANNEL_SUBNET)' : ' (podCIDR)'}`);
        citations.push(ctx.cite(a, `${bridgeName} inet ${a.cidr}`));
        if (flannelSubnet && !citations.some((c) => c.file === subnetEnv!.file)) {
          citations.push(ctx.cite({ file: subnetEnv!.file, line: subnetEnv!.vars['FLANNEL_SUBNET']?.line ?? 0 }, `FLANNEL_SUBNET=${flannelSubnet}`));
        } else if (!flannelSubnet && apiNode) citations.push(ctx.cite(apiNode, `${name} spec.podCIDR: ${podCidr}`));
      }
      if (disagreements.length === 0 && conflicts.length === 0) continue;

      const pods = [...new Set(conflicts.map((s) => s.pod).filter((p): p is string => p !== null))];
      const wanted = CONFLICT.exec(conflicts[0]?.message ?? '')?.[2];
      if (disagreements.length === 0) {
        // The runtime says so, but the bundle lacks the node state that would show which side is stale.
        const missing = ctx.missing(name, ['net/ip-addr.txt', 'flannel/subnet.env']);
        ctx.report({
          key: name,
          confidence: missing.length > 0 ? 'medium' : 'low',
          message: `On ${name}, the bridge plugin refuses to configure ${bridgeName}: it already has an address different from ${wanted ?? 'the gateway the config asks for'}. The bridge keeps a subnet from before the node's subnet changed.`,
          scope: { nodes: [name], pods },
          citations: conflicts.slice(0, 3).map((s) => s.citation),
          remediation: remediation(name, bridgeName),
          confirmWith: missing.length > 0 ? missing : [`ip -4 addr show ${bridgeName} on ${name}`, 'cat /run/flannel/subnet.env', `kubectl get node ${name} -o jsonpath='{.spec.podCIDR}'`],
          explains: conflicts,
          whyHere: `${bridgeName} on ${name} still carries an old address.`,
        });
        continue;
      }
      ctx.report({
        key: name,
        confidence: conflicts.length > 0 ? 'high' : 'medium',
        severity: conflicts.length > 0 ? 'critical' : 'warning',
        message:
          `On ${name}, ${disagreements.join('; ')}. ` +
          (conflicts.length > 0
            ? `So the bridge plugin fails every pod sandbox ADD: "${bridgeName}" already has an IP address different from ${wanted}.`
            : `New pods on ${name} will fail their sandbox ADD once the bridge plugin runs.`),
        scope: { nodes: [name], pods },
        citations: [...conflicts.slice(0, 2).map((s) => s.citation), ...citations],
        remediation: remediation(name, bridgeName),
        confirmWith: [],
        explains: conflicts,
        whyHere: `${bridgeName} on ${name} still carries ${bridgeAddrs[0]?.cidr ?? 'an old address'} while the node's subnet is ${networkOf(expected) ?? '?'}.`,
      });
    }
  },
});

function remediation(node: string, bridge: string) {
  return [
    {
      text: `Delete the stale bridge on ${node}; the CNI recreates it with the current subnet at the next pod ADD.`,
      command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'ip link set ${bridge} down && ip link delete ${bridge}'`,
    },
    {
      text: `Restart the flannel agent on ${node} so it rewrites /run/flannel/subnet.env from the node's podCIDR.`,
      command: `kubectl -n kube-flannel delete pod --field-selector spec.nodeName=${node} -l app=flannel`,
    },
    { text: `Find out why the subnet changed (node deleted and re-registered, cluster CIDR changed) before the next node does the same.`, command: `kubectl get node ${node} -o jsonpath='{.spec.podCIDR}{"\\n"}{.metadata.creationTimestamp}{"\\n"}'` },
  ];
}
