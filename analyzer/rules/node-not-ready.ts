/**
 * The node is NotReady or its status is Unknown. Two different stories share the condition:
 * the kubelet reports NotReady with a reason (most often the runtime's NetworkReady=false, i.e. a
 * CNI problem another rule names), or the kubelet stopped reporting at all (node down, kubelet
 * dead, network partition), in which case the node's own evidence is usually missing from the
 * bundle too (the node pod never ran: the manifest says timeout).
 */
import { defineRule, type RuleContext } from './define.js';
import type { Citation, Confidence, Severity } from '../model.js';
import type { K8sNodeRecord } from '../parsers/index.js';
import { logHits } from './lib/node-logs.js';

const CNI_MESSAGE = /NetworkReady=false|NetworkPluginNotReady|network plugin (?:is )?not ready|cni plugin not initialized|cni config uninitialized|no networks found|No CNI configuration file|Network plugin returns error|NetworkUnavailable/i;
const RUNTIME_MESSAGE = /container runtime is down|container runtime status check may not have completed|ContainerRuntimeNotReady|RuntimeReady=false|PLEG is not healthy|container runtime not ready/i;
const STOPPED = /Kubelet stopped posting node status|NodeStatusUnknown|Kubelet never posted node status/i;
/** The kubelet's own account of why it cannot report (when the node's journal made it into the bundle). */
const KUBELET_TROUBLE = /Error updating node status|Unable to register node|Failed to contact API server|Unable to update node status|failed to run Kubelet|Failed to run kubelet|certificate has expired|x509: certificate|Unauthorized|node "[^"]+" not found|PLEG is not healthy|Container runtime network not ready|container runtime is down/i;

type Kind = 'unreachable' | 'cni' | 'runtime' | 'other';

function kindOf(node: K8sNodeRecord): Kind {
  const ready = node.ready;
  const text = `${ready?.reason ?? ''} ${ready?.message ?? ''}`;
  if (ready?.status === 'Unknown' || STOPPED.test(text)) return 'unreachable';
  if (CNI_MESSAGE.test(text)) return 'cni';
  if (RUNTIME_MESSAGE.test(text)) return 'runtime';
  if (!ready && node.taints.some((t) => t.key === 'node.kubernetes.io/unreachable')) return 'unreachable';
  return 'other';
}

/** Where the cause behind a NetworkReady=false message is, judged from the node's files, as a sentence. */
function cniCauseHint(ctx: RuleContext, name: string, message: string): string {
  const node = ctx.evidence.nodes.get(name);
  if (!node || (node.cniConfigs.length === 0 && !node.netDListing)) return 'the runtime has no CNI config it can load; the bundle lacks this node\'s /etc/cni/net.d to say whether it is missing (cni-config-missing) or broken (cni-config-invalid)';
  const loadable = node.cniConfigs.filter((c) => c.loadedByLibcni);
  if (loadable.length === 0) return `/etc/cni/net.d on ${name} holds no config the runtime loads (see cni-config-missing)`;
  if (loadable.some((c) => c.flags.invalidJson || c.flags.empty)) return `the config in /etc/cni/net.d on ${name} cannot be parsed (see cni-config-invalid)`;
  if (/failed to find plugin|not found in path/i.test(message)) return `a plugin the config names is missing (see cni-plugin-missing)`;
  return `/etc/cni/net.d on ${name} does hold a config, so the runtime has not (re)loaded it or looks in another directory, or the CNI agent has not finished; see the runtime and agent findings for ${name}`;
}

export default defineRule({
  id: 'node-not-ready',
  title: 'The node is NotReady or not reporting',
  severity: 'critical',
  cni: false,
  needs: ['cluster/nodes.json', 'journal/kubelet.log'],
  description:
    'Reads the Ready condition and the not-ready/unreachable taints of every node. A NotReady whose message is the runtime\'s "NetworkReady=false … cni plugin not initialized" is a CNI problem and is pointed at the CNI rule; "Kubelet stopped posting node status" means the node or its kubelet is down, and the node\'s evidence is then usually missing from the bundle (the manifest records a timeout), which the finding says instead of guessing. Pods stuck on such a node with no sandbox error are explained by it.',
  check(ctx) {
    for (const apiNode of ctx.evidence.cluster.nodes) {
      const name = apiNode.name;
      const ready = apiNode.ready;
      const taints = apiNode.taints.filter((t) => /^node\.kubernetes\.io\/(not-ready|unreachable|network-unavailable)$/.test(t.key));
      const networkUnavailable = apiNode.conditions.find((c) => c.type === 'NetworkUnavailable' && c.status === 'True');
      const notReady = (ready !== undefined && ready.status !== 'True') || taints.some((t) => t.key !== 'node.kubernetes.io/network-unavailable');
      if (!notReady && !networkUnavailable) continue;

      const kind: Kind = notReady ? kindOf(apiNode) : 'cni';
      const since = ready?.lastTransitionTime;
      const heartbeat = ready?.lastHeartbeatTime;
      const node = ctx.evidence.nodes.get(name);
      const artifacts = node ? [...node.artifacts.values()] : [];
      const failedArtifacts = artifacts.filter((a) => a.status !== 'ok' && a.status !== 'truncated' && a.status !== 'absent');
      const okArtifacts = artifacts.filter((a) => a.status === 'ok' || a.status === 'truncated');
      // Most of the node's artifacts failed the same way: the collector never ran there.
      const collectionFailed = failedArtifacts.length > 0 && failedArtifacts.length > okArtifacts.length;
      const collectionError = failedArtifacts[0];
      const statusSymptoms = ctx.symptoms.filter((s) => s.node === name && s.op === 'status');
      const trouble = logHits(ctx, name, KUBELET_TROUBLE, { limit: 2 }).filter((h) => /kubelet/.test(h.where));
      const podsOnNode = ctx.podsOn(name);
      // Stuck pods with no sandbox error at all: the kubelet never got to them.
      const silentPods = podsOnNode.filter((p) => p.symptoms.length === 0).map((p) => p.key);

      const citations: Citation[] = [
        ctx.cite(apiNode, `${name} Ready=${ready?.status ?? '?'}${ready?.reason ? ` reason=${ready.reason}` : ''}${ready?.message ? ` message="${ready.message}"` : ''}${since ? ` since ${since}` : ''}`),
      ];
      if (taints.length > 0) citations.push(ctx.cite(apiNode, `taints: ${taints.map((t) => `${t.key}:${t.effect}`).join(', ')}`));
      if (networkUnavailable) citations.push(ctx.cite(apiNode, `NetworkUnavailable=True reason=${networkUnavailable.reason ?? ''} message="${networkUnavailable.message ?? ''}"`));
      if (collectionError) {
        const entry = ctx.evidence.artifacts.get(collectionError.path);
        citations.push({ file: 'manifest.json', line: 0, excerpt: `${collectionError.path}: ${collectionError.status}${entry?.error ? ` (${entry.error})` : ''}` });
      }
      citations.push(...statusSymptoms.slice(0, 1).map((s) => s.citation), ...trouble.slice(0, 2).map((h) => ctx.cite(h.record)));

      let severity: Severity = 'critical';
      let confidence: Confidence;
      let message: string;
      const pods = kind === 'unreachable' ? silentPods : [];
      const podText = podsOnNode.length > 0 ? ` ${podsOnNode.slice(0, 3).map((p) => p.key).join(', ')}${podsOnNode.length > 3 ? ', …' : ''} on it cannot start or be reported.` : '';
      if (kind === 'unreachable') {
        confidence = ready?.status === 'Unknown' && (taints.some((t) => t.key === 'node.kubernetes.io/unreachable') || collectionFailed) ? 'high' : 'medium';
        message =
          `${name} has stopped reporting: Ready is ${ready?.status ?? 'not set'} ("${ready?.message ?? ready?.reason ?? 'no message'}")${heartbeat ? `, last heartbeat ${heartbeat}` : ''}. The node is down, its kubelet is dead or stuck, or it cannot reach the API server; the node controller ${taints.length > 0 ? `tainted it ${taints.map((t) => `${t.key}:${t.effect}`).join(', ')} and ` : ''}evicts its pods after the toleration period.` +
          (collectionFailed
            ? ` The node's own evidence is missing from this bundle: collection ${collectionError?.status ?? 'failed'}${collectionError?.error ? ` (${collectionError.error})` : ''}, as expected when the kubelet cannot start the collector pod.`
            : trouble.length > 0
              ? ` The kubelet's journal says why: ${trouble[0]!.record.message}.`
              : '') +
          podText;
      } else if (kind === 'cni' && !notReady) {
        // Ready, but the node's pod network is not marked as set up (routes, CNI agent): it only keeps pods away.
        severity = 'info';
        confidence = 'medium';
        message = `${name} is Ready but its NetworkUnavailable condition is True (${networkUnavailable?.reason ?? '?'}: "${networkUnavailable?.message ?? ''}"): the CNI agent or the cloud route controller has not marked its pod network as set up, so the scheduler keeps pods off it. See the podCIDR and CNI agent findings for ${name}.`;
      } else if (kind === 'cni') {
        // The CNI rule that matches the runtime's message is the real answer; this only says the node is out.
        severity = 'warning';
        confidence = 'medium';
        const text = ready?.message ?? '';
        message =
          `${name} is NotReady because the runtime reports its network as not ready${text ? `: "${text}"` : ''}. This is a CNI problem, not a node one: ${cniCauseHint(ctx, name, text)}. ` +
          `Until it is fixed the scheduler keeps new pods off ${name} and pods already bound there stay in ContainerCreating.`;
      } else if (kind === 'runtime') {
        confidence = trouble.length > 0 || statusSymptoms.length > 0 ? 'high' : 'medium';
        message = `${name} is NotReady because the container runtime is not healthy: "${ready?.message ?? ''}". Sandboxes cannot be created or listed until the runtime answers again; the CNI is not involved.${podText}`;
      } else {
        confidence = 'medium';
        message = `${name} is NotReady: ${ready?.reason ?? 'no reason'}${ready?.message ? ` ("${ready.message}")` : ''}.${podText}`;
      }

      const debug = (cmd: string) => `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c '${cmd}'`;
      ctx.report({
        key: name,
        severity,
        confidence,
        message,
        scope: { nodes: [name], pods },
        citations,
        remediation:
          kind === 'unreachable'
            ? [
                { text: `See what the control plane knows about ${name} (conditions, heartbeat, taints, events).`, command: `kubectl describe node ${name}` },
                { text: `The kubelet cannot start a debug pod on a node that is not reporting: reach ${name} over SSH or the cloud console and check the kubelet and the runtime.`, command: `ssh ${name} 'systemctl status kubelet containerd --no-pager; journalctl -u kubelet -n 50 --no-pager'` },
                { text: `When ${name} is back, collect its evidence again.`, command: `cni-evidence collect --nodes ${name}` },
              ]
            : kind === 'cni'
              ? [
                  { text: `Read the runtime's network status on ${name}: it names what the CNI lacks.`, command: debug('crictl info | grep -A4 NetworkReady; ls -la /etc/cni/net.d /opt/cni/bin') },
                  { text: `Check the CNI agent pod on ${name}: it writes the config the runtime waits for.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${name} | grep -Ei 'flannel|calico|cilium|aws-node|weave|antrea|canal'` },
                ]
              : [
                  { text: `Check the runtime and the kubelet on ${name}.`, command: debug('systemctl status containerd crio kubelet --no-pager 2>/dev/null | grep -E "Active|Main PID"; crictl info | head -30') },
                  { text: `Restart the runtime if it is hung, then the kubelet.`, command: debug('systemctl restart containerd && systemctl restart kubelet') },
                ],
        confirmWith: collectionFailed ? [`the kubelet journal of ${name} (journalctl -u kubelet over SSH): the bundle has none`] : [],
        whyHere:
          kind === 'unreachable'
            ? `${name} is the node whose kubelet stopped reporting${since ? ` at ${since}` : ''}.`
            : `${name}'s Ready condition is ${ready?.status ?? '?'} (${ready?.reason ?? networkUnavailable?.reason ?? '?'}).`,
      });
    }
  },
});
