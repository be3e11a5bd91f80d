/**
 * The runtime's CNI conf dir holds no file libcni loads: empty, absent, or only names it skips
 * (.bak, .disabled). containerd then says `cni plugin not initialized` / `no network config found
 * in /etc/cni/net.d`, CRI-O `No CNI configuration file in /etc/cni/net.d/`, dockershim `cni config
 * uninitialized`, and the node reports NetworkReady=false. A config that is on disk but not loaded
 * is runtime-cni-not-reloaded; one that is there but broken is cni-config-invalid; one in another
 * dir than the runtime reads is runtime-cni-path-mismatch.
 */
import type { K8sPodRecord } from '../parsers/index.js';
import type { Citation, RemediationStep } from '../model.js';
import { defineRule } from './define.js';
import { agentAbsenceKnown, clusterAgents, FAMILIES, isPodReady, podStateText, type CniFamily } from './lib/cni-owners.js';
import { confDirView, distroConfDirs, NOT_INITIALIZED, onNode, runtimeConfDir, stockConfDir } from './lib/cni-netd.js';
import { runtimeKind } from './lib/runtime-info.js';

export default defineRule({
  id: 'cni-config-missing',
  title: 'No CNI network config for the runtime to load',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d.ls', 'cni/net.d/*', 'journal/*.log', 'cluster/nodes.json'],
  description:
    'The conf dir the runtime reads (/etc/cni/net.d, or the one named in its error or config) has no .conf/.conflist/.json file, or does not exist, while the runtime reports "cni plugin not initialized" / "no network config found" / NetworkReady=false. Says whether the CNI agent that should write the config is down, unscheduled or absent, and stays silent when the config exists but is broken, not reloaded, or in another dir.',
  check(ctx) {
    const agents = clusterAgents(ctx.evidence);
    const absenceKnown = agentAbsenceKnown(ctx.evidence);
    for (const node of ctx.nodes) {
      const symptoms = ctx.symptomsMatching(NOT_INITIALIZED, node.name);
      const apiNode = ctx.evidence.cluster.nodes.find((n) => n.name === node.name);
      const notReady = apiNode?.ready && apiNode.ready.status !== 'True' && NOT_INITIALIZED.test(apiNode.ready.message ?? '') ? apiNode.ready : undefined;
      const where = runtimeConfDir(node, symptoms);
      const dir = confDirView(ctx, node, where.dir);

      // A file is there: broken (cni-config-invalid), not loaded (runtime-cni-not-reloaded) or unreadable.
      if (dir.loadable.length > 0 || dir.unreadable.some((a) => /\.(conf|conflist|json)$/.test(a.path))) continue;
      if (dir.entries.some((e) => /\.(conf|conflist|json)$/.test(e.name))) continue;
      // A usable config in another dir the node has: the runtime looks in the wrong place.
      const elsewhere = [stockConfDir(ctx, node), ...distroConfDirs(ctx, node)].find((v) => v.dir !== dir.dir && v.winner);
      if (elsewhere) continue;

      if (dir.state === 'not-collected' || dir.state === 'unreadable') {
        if (symptoms.length > 0 || notReady) {
          ctx.notEnoughEvidence({
            scope: { nodes: [node.name], pods: podsOf(symptoms) },
            reason: `the runtime on ${node.name} has no CNI network ("${short(symptoms[0]?.message ?? notReady?.message ?? '')}"), but the bundle could not read ${dir.dir} to tell an empty dir from a broken or unloaded config`,
            missing: dir.listingPath ? ctx.missing(node.name, [dir.listingPath, dir.listingPath.replace(/\.ls$/, '/*')]) : [`a listing of ${dir.dir} (not collected)`],
          });
        }
        continue;
      }
      if (symptoms.length === 0 && !notReady && where.basis === 'default' && runtimeKind(node) === 'unknown') continue;

      // Which agent should have written the config, and how it is doing on this node.
      const onThisNode: { family: CniFamily; pod: K8sPodRecord }[] = [];
      for (const [family, presence] of agents) for (const pod of presence.pods) if (pod.nodeName === node.name) onThisNode.push({ family, pod });
      const writers = onThisNode.filter((a) => a.family !== 'multus');
      const unready = writers.find((a) => !isPodReady(a.pod));
      const ready = writers.find((a) => isPodReady(a.pod));
      const unscheduled = [...agents.values()].find((p) => p.daemonsets.length > 0 && !p.pods.some((pod) => pod.nodeName === node.name) && p.family !== 'multus');
      const noCni = absenceKnown && [...agents.keys()].filter((f) => f !== 'multus').length === 0;

      const what =
        dir.state === 'absent'
          ? `${dir.dir} does not exist`
          : dir.ignoredNames.length > 0
            ? `${dir.dir} holds only ${dir.ignoredNames.join(', ')}, which libcni skips (it loads only .conf, .conflist and .json files)`
            : `${dir.dir} is empty`;
      let agentText: string;
      if (unready && !installDone(unready.pod)) agentText = ` The config is written by ${FAMILIES[unready.family].label}'s agent ${unready.pod.namespace}/${unready.pod.name}, which is ${podStateText(unready.pod)} on ${node.name}: it has not written the file yet, so fix the agent first.`;
      else if (unready) agentText = ` ${FAMILIES[unready.family].label}'s agent ${unready.pod.namespace}/${unready.pod.name} is ${podStateText(unready.pod)} on ${node.name}; its install step finished, yet the file is not there: something removed it, or the agent writes to another dir.`;
      else if (ready) agentText = ` ${FAMILIES[ready.family].label}'s agent ${ready.pod.namespace}/${ready.pod.name} is ready on ${node.name}, yet the file is not there: it writes its config elsewhere, or something removed it after the agent started.`;
      else if (unscheduled) agentText = ` ${FAMILIES[unscheduled.family].label}'s DaemonSet ${unscheduled.daemonsets[0]!.namespace}/${unscheduled.daemonsets[0]!.name} has no pod on ${node.name} (node selector, taints or a failed rollout), so nothing writes the config here.`;
      else if (noCni) agentText = ' No CNI add-on DaemonSet is installed in the cluster: nothing will ever write a config.';
      else agentText = '';

      const citations: Citation[] = [];
      const named = symptoms.find((s) => /no network config found|No CNI configuration file/i.test(s.message));
      if (named) citations.push(named.citation);
      for (const s of symptoms) if (citations.length < 3 && s !== named && s.pod) citations.push(s.citation);
      const listing = node.netDListing && dir.source === 'stock' ? node.netDListing.find((r) => r.kind === 'ls-entry' && r.name === '.') ?? node.netDListing[0] : undefined;
      if (dir.state === 'absent') citations.push(ctx.cite({ file: `nodes/${node.name}/${dir.listingPath}`, line: 0 }, `${dir.dir}: ${dir.stateReason ?? 'no such directory'}`));
      else if (listing) citations.push(ctx.cite(listing, `${dir.dir} lists ${dir.entries.length === 0 ? 'no file at all' : dir.entries.map((e) => e.name).join(', ')}`));
      else citations.push(ctx.cite({ file: `nodes/${node.name}/${dir.listingPath}`, line: 0 }, `${dir.dir} holds no loadable config`));
      if (notReady && apiNode) citations.push(ctx.cite(apiNode, `${node.name} Ready=${notReady.status}: ${notReady.message ?? ''}`));
      const agentPod = unready?.pod ?? ready?.pod;
      if (agentPod) citations.push(ctx.cite(agentPod, `${agentPod.namespace}/${agentPod.name} on ${node.name}: ${podStateText(agentPod)}`));

      const remediation: RemediationStep[] = [];
      if (unready) {
        remediation.push({ text: `Find out why ${unready.pod.name} is not ready on ${node.name}: its install step writes ${dir.dir}/…; read the init containers' and the agent's logs.`, command: `kubectl -n ${unready.pod.namespace} describe pod ${unready.pod.name}; kubectl -n ${unready.pod.namespace} logs ${unready.pod.name} --all-containers --prefix --tail=50` });
      } else if (ready) {
        remediation.push({ text: `Restart the agent on ${node.name} so its install step writes the config again, and check which dir it writes to (its CNI conf dir setting must be ${dir.dir}).`, command: `kubectl -n ${ready.pod.namespace} delete pod ${ready.pod.name}` });
      } else if (unscheduled) {
        const ds = unscheduled.daemonsets[0]!;
        remediation.push({ text: `Make ${ds.name} schedule on ${node.name}: compare its node selector and tolerations with the node's labels and taints.`, command: `kubectl -n ${ds.namespace} get ds ${ds.name} -o jsonpath='{.spec.template.spec.nodeSelector}{"\\n"}{.spec.template.spec.tolerations}{"\\n"}'; kubectl get node ${node.name} -o jsonpath='{.spec.taints}{"\\n"}'` });
      } else if (noCni) {
        remediation.push({ text: 'Install the cluster\'s CNI add-on (its DaemonSet writes the config on every node).', command: 'kubectl get ds -A' });
      } else {
        remediation.push({ text: `Find the CNI agent that should run on ${node.name} and check that it wrote its config.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node.name}` });
      }
      if (dir.ignoredNames.length > 0) {
        remediation.push({ text: `Only .conf, .conflist and .json files are loaded: if ${dir.ignoredNames[0]} is the config that should be active, give it a loadable name.`, command: onNode(node.name, `ls -la ${dir.dir}`) });
      } else {
        remediation.push({ text: `Confirm on the node that ${dir.dir} is still empty.`, command: onNode(node.name, `ls -la ${dir.dir}`) });
      }
      remediation.push({ text: `Once a config is there the runtime picks it up by itself; if NetworkReady stays false, the runtime missed the change (see runtime-cni-not-reloaded): restart it.`, command: onNode(node.name, runtimeKind(node) === 'crio' ? 'systemctl restart crio' : 'systemctl restart containerd') });

      const otherNodes = ctx.nodes.filter((n) => n.name !== node.name && stockConfDir(ctx, n).winner);
      const stateOnly = symptoms.length === 0 && !notReady;
      ctx.report({
        key: node.name,
        confidence: stateOnly ? (where.basis === 'default' ? 'low' : 'medium') : 'high',
        severity: stateOnly ? 'warning' : 'critical',
        message:
          `On ${node.name}, ${what}, so ${runtimeKind(node) === 'unknown' ? 'the container runtime' : runtimeKind(node)} has no pod network to set up: every sandbox ADD fails with "cni plugin not initialized" and the node reports NetworkReady=false.` +
          agentText,
        scope: { nodes: [node.name], pods: podsOf(symptoms) },
        citations,
        remediation,
        confirmWith: stateOnly ? [`crictl info on ${node.name} (NetworkReady, lastCNILoadStatus)`] : [],
        explains: symptoms,
        whyHere:
          otherNodes.length > 0
            ? `${node.name} has no CNI config while ${otherNodes.map((n) => `${n.name} has ${stockConfDir(ctx, n).winner!.fileName}`).join(', ')}.`
            : `${dir.dir} on ${node.name} holds no loadable CNI config.`,
      });
    }
  },
});

/** Init containers (the install-cni steps that copy the config) all exited 0. */
function installDone(pod: K8sPodRecord): boolean {
  const init = pod.containerStatuses.filter((c) => c.init);
  return init.length > 0 && init.every((c) => c.state.state === 'terminated' && c.state.exitCode === 0);
}

function podsOf(symptoms: readonly { pod: string | null }[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function short(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
