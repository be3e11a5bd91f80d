/**
 * Several loadable configs in the conf dir, and the lexically first one (libcni sorts file names
 * and the runtime uses the first it can load) is not the one of the CNI the cluster runs: a second
 * CNI installed beside the first (05-cilium.conflist before 10-calico.conflist), or a package's
 * example network (10-containerd-net.conflist, 87-podman-bridge.conflist, 100-crio-bridge.conf)
 * sorting before the cluster CNI's file. Pods on that node get the wrong network, or fail on it.
 * When the winning config's CNI is not installed at all, that is cni-config-stale instead.
 */
import type { Citation, RemediationStep } from '../model.js';
import type { CniConfigRecord } from '../parsers/index.js';
import { defineRule } from './define.js';
import { contains } from './lib/cidr.js';
import { agentAbsenceKnown, agentNamespace, clusterAgents, FAMILIES, familiesOf, isMetaConfig, labelOf, type CniFamily } from './lib/cni-owners.js';
import { citeConfig, confDirView, isUsable, listingEntry, onNode, runtimeConfDir } from './lib/cni-netd.js';
import { hostLocalSubnets, podsOnConfigRange, whatPodsGet } from './lib/cni-network.js';
import { runtimeKind } from './lib/runtime-info.js';

const PLUGIN_TYPE = /plugin type=\\*"([^"\\]+)\\*"/;
const GATEWAY_IN_ERROR = /already has an IP address different from ([0-9a-f.:]+\/\d+)/i;

export default defineRule({
  id: 'cni-config-conflict',
  title: 'Another CNI config shadows the one of the running CNI',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/net.d.ls', 'cluster/*/daemonsets.json', 'cluster/*/pods.json'],
  description:
    'With several loadable configs in the conf dir, the runtime uses the lexically first one it can load. Flags a winner that belongs to another CNI than the one the cluster runs (both agents installed, e.g. 05-cilium.conflist before 10-calico.conflist) or a package\'s example network (10-containerd-net.conflist, 87-podman-bridge.conflist, 100-crio-bridge.conf) sorting before the CNI\'s own file; says which file wins, what pods get from it, and which pods already got it.',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    const absenceKnown = agentAbsenceKnown(ctx.evidence);
    for (const node of ctx.nodes) {
      const dir = confDirView(ctx, node, runtimeConfDir(node, ctx.symptoms).dir);
      const winner = dir.winner;
      if (!winner) continue;
      // containerd stops on a broken first file: that is cni-config-invalid, not a conflict.
      if (dir.first !== winner && runtimeKind(node) !== 'crio' && runtimeKind(node) !== 'docker') continue;
      if (isMetaConfig(winner)) continue;
      const winFam = familiesOf(winner);
      const usable = dir.loadable.filter((c) => c !== winner && isUsable(c) && !isMetaConfig(c));
      const rivals = usable.filter((c) => {
        const f = familiesOf(c);
        return !(f.length > 0 && f.every((x) => winFam.includes(x))) && c.name !== winner.name;
      });
      if (rivals.length === 0) continue;

      const runs = (fams: readonly CniFamily[]) => fams.some((f) => agents.has(f) && f !== 'multus');
      const winnerNeedsAgent = winFam.some((f) => FAMILIES[f].needsAgent);
      // The winner's CNI is not installed at all: a leftover (cni-config-stale).
      if (winnerNeedsAgent && absenceKnown && !runs(winFam)) continue;
      const intended = rivals.find((c) => runs(familiesOf(c)));
      const packaged = winFam.length === 0 || winFam.every((f) => FAMILIES[f].packageDefault);
      if (absenceKnown && !intended) continue;
      if (absenceKnown && !runs(winFam) && !packaged) continue;
      const target = intended ?? rivals[0]!;

      // Sandbox failures that come from the winner: its plugin types, or a gateway of its range.
      const winnerTypes = new Set(winner.plugins.flatMap((p) => [p.type, p.ipam?.type, ...p.delegateTypes]).filter((t): t is string => !!t));
      const subnets = hostLocalSubnets(winner);
      const explains = ctx.symptoms.filter((s) => {
        if (s.node !== node.name || (s.op !== 'add' && s.op !== 'delete')) return false;
        const type = s.cniPluginType ?? PLUGIN_TYPE.exec(s.message)?.[1];
        const gw = GATEWAY_IN_ERROR.exec(s.message)?.[1];
        if (gw && subnets.some((sn) => contains(sn, gw.split('/')[0]))) return true;
        return type !== undefined && winnerTypes.has(type) && !familiesOf(target).some((f) => FAMILIES[f].types.test(type));
      });
      const wrongPods = podsOnConfigRange(ctx.evidence, node.name, winner);

      const citations: Citation[] = [];
      const own = explains.find((s) => s.pod && s.stage !== 'event') ?? explains[0];
      if (own) citations.push(own.citation);
      const we = listingEntry(dir, winner.fileName);
      const te = listingEntry(dir, target.fileName);
      citations.push(we ? ctx.cite(we, `${we.name} (${we.mtimeText}) sorts before ${target.fileName}`) : citeConfig(winner));
      citations.push(citeConfig(winner));
      citations.push(te ? ctx.cite(te, `${te.name}: ${target.name ?? ''} ${target.pluginTypes.join(', ')}`) : citeConfig(target));
      const targetFam = familiesOf(target).find((f) => agents.has(f));
      const ds = targetFam ? agents.get(targetFam)!.daemonsets[0] : undefined;
      if (ds) citations.push(ctx.cite(ds, `DaemonSet ${ds.namespace}/${ds.name}: ${ds.ready}/${ds.desired} ready`));
      const winDs = winFam.map((f) => agents.get(f)?.daemonsets[0]).find((d) => d !== undefined);
      if (winDs) citations.push(ctx.cite(winDs, `DaemonSet ${winDs.namespace}/${winDs.name}: ${winDs.ready}/${winDs.desired} ready`));
      for (const p of wrongPods.slice(0, 2)) citations.push(ctx.cite(p, `${p.namespace}/${p.name} on ${node.name} got ${p.podIP}`));
      // The winner's bridge is already owned by the real CNI: show what it holds.
      const bridge = winner.plugins.find((p) => p.type === 'bridge')?.bridge;
      const held = bridge && explains.some((s) => GATEWAY_IN_ERROR.test(s.message)) ? node.ipAddrs.find((a) => a.ifName === bridge && a.family === 'inet') : undefined;
      if (held) citations.push(ctx.cite(held, `${bridge} inet ${held.cidr} (set up by ${labelOf(familiesOf(target))})`));

      const apiNode = ctx.evidence.cluster.nodes.find((n) => n.name === node.name);
      const podCidr = apiNode?.podCIDRs[0] ?? apiNode?.podCIDR;
      const whoWins = packaged
        ? `${winner.fileName} (${labelOf(winFam)}, left by a package or an install guide, not by the cluster's CNI)`
        : `${winner.fileName} of ${labelOf(winFam)}${runs(winFam) ? ', whose agent also runs in the cluster' : ''}`;
      const effect =
        explains.length > 0
          ? ` Sandboxes on ${node.name} fail on it: "${inner(explains[0]!.message)}"${held ? `, because ${bridge} already carries ${held.cidr} from ${labelOf(familiesOf(target))}` : ''}.`
          : wrongPods.length > 0
            ? ` ${wrongPods.length} running pod${wrongPods.length > 1 ? 's' : ''} on ${node.name} already got such an address (${wrongPods.slice(0, 3).map((p) => `${p.namespace}/${p.name} ${p.podIP}`).join(', ')})${podCidr ? `, outside the node's podCIDR ${podCidr}` : ''}: the rest of the cluster cannot route to them.`
            : ` New pods on ${node.name} get that network instead of ${labelOf(familiesOf(target))}'s.`;
      const nodesWithSame = ctx.nodes.filter((n) => n.name !== node.name && n.cniConfigs.some((c) => c.fileName === winner.fileName));
      const severity = explains.length > 0 || wrongPods.length > 0 ? 'critical' : 'warning';
      ctx.report({
        key: node.name,
        severity,
        confidence: !absenceKnown ? 'low' : explains.length > 0 || wrongPods.length > 0 ? 'high' : 'medium',
        message:
          `On ${node.name}, ${dir.dir} holds ${dir.loadable.length} loadable configs and the runtime uses the lexically first: ${whoWins}. ` +
          `${target.fileName} of ${labelOf(familiesOf(target))}${intended ? ', the CNI the cluster runs,' : ''} is never used, and pods get ${whatPodsGet(winner, node)}.` +
          effect,
        scope: { nodes: [node.name], pods: [...new Set([...explains.map((s) => s.pod), ...wrongPods.map((p) => `${p.namespace}/${p.name}`)].filter((p): p is string => !!p))] },
        citations,
        remediation: remediation(node.name, dir.dir, winner, target, packaged, winFam, agents, [...wrongPods.map((p) => `${p.namespace}/${p.name}`), ...explains.map((s) => s.pod).filter((p): p is string => !!p)]),
        confirmWith: absenceKnown ? [] : ['kubectl get ds -A (which CNI agents run)', ...ctx.missing(null, ['cluster/*/daemonsets.json'])],
        explains,
        whyHere: nodesWithSame.length === 0 ? `Only ${node.name} has ${winner.fileName} in ${dir.dir}.` : `${winner.fileName} sorts first on ${[node.name, ...nodesWithSame.map((n) => n.name)].join(', ')}.`,
      });
    }
  },
});

function inner(message: string): string {
  const m = /failed \((?:add|delete|del)\): (.*)$/.exec(message.replace(/\\"/g, '"'));
  const t = (m ? m[1]! : message).replace(/"+$/, '');
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function remediation(
  node: string,
  dir: string,
  winner: CniConfigRecord,
  target: CniConfigRecord,
  packaged: boolean,
  winFam: CniFamily[],
  agents: ReturnType<typeof clusterAgents>,
  pods: string[],
): RemediationStep[] {
  const steps: RemediationStep[] = [];
  if (packaged) {
    steps.push({
      text: `Move ${winner.fileName} out of ${dir} (keep a copy); the runtime reloads the dir and uses ${target.fileName}.`,
      command: onNode(node, `mkdir -p /root/cni-disabled && mv ${dir}/${winner.fileName} /root/cni-disabled/`),
    });
    steps.push({ text: `Stop the package from putting it back on upgrade (containerd's, podman's or CRI-O's example config), and check the other nodes for the same file.`, command: onNode(node, `ls -la ${dir}`) });
  } else {
    const fam = winFam.find((f) => agents.has(f));
    const ds = fam ? agents.get(fam)!.daemonsets[0] : undefined;
    steps.push({
      text: `Decide which CNI owns ${node}. If it is the one of ${target.fileName}, remove ${labelOf(winFam)} from the node (uninstall it, or keep its DaemonSet off this node) and move its config away.`,
      command: ds ? `kubectl -n ${ds.namespace} get ds ${ds.name} -o wide` : `kubectl get ds -A`,
    });
    steps.push({ text: `Move ${winner.fileName} out of ${dir} so ${target.fileName} wins.`, command: onNode(node, `mkdir -p /root/cni-disabled && mv ${dir}/${winner.fileName} /root/cni-disabled/`) });
    if (fam) steps.push({ text: `Otherwise the agent writes it back: ${FAMILIES[fam].label}'s DaemonSet must not run on nodes that use another CNI.`, command: `kubectl -n ${agentNamespace(agents.get(fam))} get pods -o wide --field-selector spec.nodeName=${node}` });
  }
  const unique = [...new Set(pods)];
  if (unique.length > 0) steps.push({ text: `Once the right config wins, recreate the pods on ${node} that got (or failed on) the wrong network.`, command: unique.slice(0, 5).map((p) => `kubectl -n ${p.split('/')[0]} delete pod ${p.split('/')[1]}`).join('; ') });
  return steps;
}
