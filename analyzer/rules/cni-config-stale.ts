/**
 * The config the runtime uses belongs to a CNI that is no longer installed: Cilium was uninstalled
 * but 05-cilium.conflist stayed and still sorts first, so every ADD calls cilium-cni, which cannot
 * reach an agent that does not exist ("unable to connect to Cilium daemon … cilium.sock: connect:
 * no such file or directory"); the same with a leftover 10-antrea.conflist, calico, weave. Unlike
 * cni-agent-not-running, there is no DaemonSet and no agent pod for that CNI at all; unlike
 * cni-config-conflict, only one of the two CNIs is actually there.
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { Citation, RemediationStep } from '../model.js';
import { citeText, defineRule } from './define.js';
import { agentAbsenceKnown, clusterAgents, FAMILIES, familiesOf, isMetaConfig, labelOf, type CniFamily } from './lib/cni-owners.js';
import { citeConfig, confDirView, isUsable, listingEntry, onNode, runtimeConfDir } from './lib/cni-netd.js';
import { runtimeKind } from './lib/runtime-info.js';

const PLUGIN_TYPE = /plugin type=\\*"([^"\\]+)\\*"/;

export default defineRule({
  id: 'cni-config-stale',
  title: 'The active CNI config belongs to a CNI that is no longer installed',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/net.d.ls', 'cluster/*/daemonsets.json', 'cluster/*/pods.json'],
  description:
    'The lexically first loadable config names a CNI (Cilium, Calico, Antrea, Weave, …) that has no DaemonSet and no agent pod anywhere in the cluster: a leftover of an uninstall. Every ADD then fails because the plugin cannot reach its agent ("unable to connect to Cilium daemon", "dial unix /var/run/antrea/cni.sock"). Separate from an agent that exists but is down, and from two CNIs that are both installed (cni-config-conflict).',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    const absenceKnown = agentAbsenceKnown(ctx.evidence);
    for (const node of ctx.nodes) {
      const dir = confDirView(ctx, node, runtimeConfDir(node, ctx.symptoms).dir);
      const winner = dir.winner;
      if (!winner || isMetaConfig(winner)) continue;
      if (dir.first !== winner && runtimeKind(node) !== 'crio' && runtimeKind(node) !== 'docker') continue;
      const fams = familiesOf(winner).filter((f) => FAMILIES[f].needsAgent);
      const gone = fams.filter((f) => !agents.has(f));
      if (fams.length === 0 || gone.length === 0) continue;

      const types = new Set(winner.plugins.flatMap((p) => [p.type, p.ipam?.type, ...p.delegateTypes]).filter((t): t is string => !!t));
      const symptoms = ctx.symptoms.filter((s) => {
        if (s.node !== node.name) return false;
        const type = s.cniPluginType ?? PLUGIN_TYPE.exec(s.message)?.[1];
        return gone.some((f) => FAMILIES[f].agentGone?.test(s.message)) || (type !== undefined && types.has(type) && (s.op === 'add' || s.op === 'delete'));
      });
      const running = [...agents.values()].filter((a) => a.family !== 'multus' && (a.daemonsets.length > 0 || a.pods.length > 0));
      const fallback = dir.loadable.find((c) => c !== winner && isUsable(c) && familiesOf(c).some((f) => agents.has(f)));

      if (!absenceKnown) {
        // Only the agent-unreachable signature is worth a question; other errors have other causes.
        if (symptoms.some((s) => gone.some((f) => FAMILIES[f].agentGone?.test(s.message)))) {
          ctx.notEnoughEvidence({
            scope: { nodes: [node.name], pods: podsOf(symptoms) },
            reason: `${winner.fileName} sorts first on ${node.name} and its plugin cannot reach the ${labelOf(gone)} agent; without the cluster's DaemonSets the bundle cannot tell a removed ${labelOf(gone)} (a stale config) from an agent that is down`,
            missing: [...ctx.missing(null, ['cluster/*/daemonsets.json', 'cluster/*/pods.json']), 'kubectl get ds -A'],
          });
        }
        continue;
      }

      const citations: Citation[] = [];
      const own = symptoms.find((s) => s.pod && s.stage !== 'event') ?? symptoms[0];
      if (own) citations.push(own.citation);
      const event = symptoms.find((s) => s.stage === 'event' && s !== own);
      if (event) citations.push(event.citation);
      const we = listingEntry(dir, winner.fileName);
      if (we) citations.push(ctx.cite(we, `${we.name} (${we.mtimeText})${fallback ? ` sorts before ${fallback.fileName}` : ''}`));
      citations.push(citeConfig(winner));
      const dsFiles = [...ctx.evidence.artifacts.values()].filter((a) => /^cluster\/[^/]+\/daemonsets\.json$/.test(a.path) && a.status === 'ok').map((a) => a.path);
      const runningDs = running.flatMap((a) => a.daemonsets)[0];
      citations.push(
        runningDs
          ? ctx.cite(runningDs, `no ${labelOf(gone)} DaemonSet in ${dsFiles.map((f) => f.split('/')[1]).join(', ')}; the cluster runs ${runningDs.namespace}/${runningDs.name}`)
          : citeText(dsFiles[0] ?? 'cluster/kube-system/daemonsets.json', 0, `no ${labelOf(gone)} DaemonSet in ${dsFiles.map((f) => f.split('/')[1]).join(', ')}`),
      );
      const backups = dir.ignoredNames.filter((n) => /\.cilium_bak$|\.bak$|\.disabled$|\.orig$/.test(n));

      const runningText = running.length > 0 ? ` The cluster runs ${running.map((a) => FAMILIES[a.family].label).join(', ')}${fallback ? `, whose ${fallback.fileName} sorts after it and is never used` : backups.length > 0 ? `, whose config was renamed to ${backups.join(', ')} (libcni skips that name)` : ''}.` : '';
      const nodesWithSame = ctx.nodes.filter((n) => n.name !== node.name && n.cniConfigs.some((c) => c.fileName === winner.fileName));
      ctx.report({
        key: node.name,
        severity: symptoms.length > 0 ? 'critical' : 'warning',
        confidence: symptoms.length > 0 ? 'high' : 'medium',
        message:
          `On ${node.name}, the runtime uses ${winner.fileName} (the lexically first config in ${dir.dir}), which calls ${[...types].filter((t) => gone.some((f) => FAMILIES[f].types.test(t))).join(', ') || [...types].join(', ')}; but ${labelOf(gone)} is not installed in the cluster (no DaemonSet, no agent pod), so the plugin has no agent to talk to and every sandbox ADD and DEL fails${own ? ` ("${inner(own.message)}")` : ''}. The file is a leftover of a removed ${labelOf(gone)}.` +
          runningText,
        scope: { nodes: [node.name], pods: podsOf(symptoms) },
        citations,
        remediation: remediation(node.name, dir.dir, winner.fileName, [...types].filter((t) => gone.some((f) => FAMILIES[f].types.test(t))), backups, podsOf(symptoms), gone),
        confirmWith: [],
        explains: symptoms,
        whyHere:
          nodesWithSame.length === 0
            ? `Only ${node.name} still has ${winner.fileName}; the uninstall cleaned the other nodes.`
            : `${winner.fileName} is left on ${[node.name, ...nodesWithSame.map((n) => n.name)].join(', ')}.`,
      });
    }
  },
});

function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function inner(message: string): string {
  const m = /failed \((?:add|delete|del)\): (.*)$/s.exec(message.replace(/\\"/g, '"')) ?? /desc = (.*)$/s.exec(message.replace(/\\"/g, '"'));
  const t = (m ? m[1]! : message).replace(/\\n/g, ' ').replace(/"+$/, '');
  return t.length > 180 ? `${t.slice(0, 180)}…` : t;
}

function remediation(node: string, dir: string, file: string, binaries: string[], backups: string[], pods: string[], gone: CniFamily[]): RemediationStep[] {
  const steps: RemediationStep[] = [
    {
      text: `Move the leftover ${labelOf(gone)} config out of ${dir}${binaries.length ? ` and remove its plugin binar${binaries.length > 1 ? 'ies' : 'y'}` : ''}; the runtime reloads the dir and uses the next config.`,
      command: onNode(node, `mkdir -p /root/cni-disabled && mv ${dir}/${file} /root/cni-disabled/${binaries.length ? ` && rm -f ${binaries.map((b) => `/opt/cni/bin/${b}`).join(' ')}` : ''}`),
    },
  ];
  if (backups.length > 0) {
    steps.push({ text: `Give the real config its name back (the removed CNI renamed it when it took over).`, command: onNode(node, backups.map((b) => `mv ${dir}/${b} ${dir}/${b.replace(/\.(cilium_bak|bak|disabled|orig)$/, '')}`).join(' && ')) });
  }
  steps.push({ text: 'Check every node for the same leftover (an uninstall only cleans nodes whose agent ran its cleanup).', command: `for n in $(kubectl get nodes -o name); do echo "$n"; kubectl debug "$n" -q --image=busybox:1.36 -- ls /host${dir}; done` });
  if (pods.length > 0) steps.push({ text: 'Recreate the pods that are stuck on it.', command: pods.slice(0, 5).map((p) => `kubectl -n ${p.split('/')[0]} delete pod ${p.split('/')[1]}`).join('; ') });
  return steps;
}
