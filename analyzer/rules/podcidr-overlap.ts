/**
 * Address plans that collide: two nodes with overlapping podCIDRs, a pod network (kubeadm
 * podSubnet, flannel's net-conf Network, Calico's pool, Cilium's cluster pool) that overlaps the
 * nodes' own network, a host route or the Service CIDR, or a flannel Network that does not contain
 * the podCIDRs kube-controller-manager handed out. The first kind gives duplicate pod IPs; the
 * second sends pod traffic to the wrong place (calico#1401: the default 192.168.0.0/16 pool on
 * 192.168.x hosts); the last makes flanneld refuse to start.
 */
import { parseYaml } from './lib/yaml.js';
import type { Citation } from '../model.js';
import type { IpAddrRecord, IpRouteRecord } from '../parsers/index.js';
import { contains, networkOf, overlaps, parseCidr } from './lib/cidr.js';
import { agentLinesMatching, agentPods, downSymptoms, PODCIDR_OUTSIDE, podsOf, symptomCitations } from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

/** Interfaces the CNI and kube-proxy own: routes and addresses on them are the pod network itself. */
const CNI_DEVICE = /^(?:cni\d*|cbr\d+|flannel[.-]\S*|cali\S*|tunl0|vxlan[.-]\S*|wireguard\.cali|cilium_\S+|lxc\S*|weave|datapath|kube-bridge|kube-ipvs0|antrea-\S+|genev_sys_\S+|ovn-k8s-\S+|br-int|eni\S+|nodelocaldns|veth\S*|kube-dummy-if)$/;

interface PodNetwork {
  cidr: string;
  source: string;
  citation: Citation;
}

export default defineRule({
  id: 'podcidr-overlap',
  title: 'Pod address ranges overlap each other, the node network, a host route or the Service CIDR',
  severity: 'critical',
  cni: true,
  needs: ['cluster/nodes.json', 'cluster/configmaps/*/*', 'net/ip-route.txt', 'net/ip-addr.txt'],
  description:
    'Checks the address plan: nodes whose podCIDRs overlap; the pod network as kubeadm (networking.podSubnet), flannel (net-conf.json Network), Calico (its IPv4 pool) or Cilium (cluster-pool-ipv4-cidr) configure it, against the nodes\' InternalIPs, the routes and addresses on each node\'s non-CNI interfaces (eth0, virbr0, docker0…) and the Service CIDR; and flannel\'s Network against the podCIDRs it must contain (flanneld\'s "specified in the flannel net config doesn\'t contain … PodCIDR").',
  check(ctx) {
    const apiNodes = ctx.evidence.cluster.nodes;
    const networks = podNetworks(ctx);
    const service = serviceCidr(ctx);

    // 1. Nodes whose podCIDRs overlap each other.
    const seen = new Set<string>();
    for (const a of apiNodes) {
      for (const b of apiNodes) {
        if (a.name >= b.name) continue;
        for (const ca of a.podCIDRs) {
          for (const cb of b.podCIDRs) {
            if (!overlaps(ca, cb) || seen.has(`${a.name}/${b.name}`)) continue;
            seen.add(`${a.name}/${b.name}`);
            ctx.report({
              key: `nodes/${a.name}/${b.name}`,
              confidence: 'high',
              message: `${a.name} (podCIDR ${ca}) and ${b.name} (podCIDR ${cb}) hand out addresses from overlapping ranges: pods on the two nodes can get the same IP, and each node routes the other's pod subnet to itself. kube-controller-manager never assigns overlapping CIDRs, so one of them was set by hand or kept across a cluster rebuild.`,
              scope: { nodes: [a.name, b.name] },
              citations: [ctx.cite(a, `node ${a.name}: spec.podCIDR ${ca}`), ctx.cite(b, `node ${b.name}: spec.podCIDR ${cb}`)],
              remediation: [
                { text: `Find which node's podCIDR is not from the controller-manager's allocation, drain it, delete the Node object and re-join it so it gets a fresh podCIDR.`, command: `kubectl get nodes -o custom-columns=NAME:.metadata.name,PODCIDR:.spec.podCIDR,CREATED:.metadata.creationTimestamp` },
                { text: `Drain the node you re-register first.`, command: `kubectl drain ${b.name} --ignore-daemonsets --delete-emptydir-data` },
              ],
              whyHere: `${a.name} and ${b.name} share pod addresses.`,
            });
          }
        }
      }
    }

    // 2. Flannel's Network must contain every podCIDR.
    const flannel = networks.find((n) => n.source.startsWith('flannel'));
    const outsideLines = agentPods(ctx.evidence).flatMap((a) => agentLinesMatching(a, PODCIDR_OUTSIDE).map((line) => ({ agent: a, line })));
    if (flannel) {
      const outside = apiNodes.filter((n) => n.podCIDRs.some((c) => parseCidr(c)?.family === parseCidr(flannel.cidr)?.family && !contains(flannel.cidr, c)));
      const nodes = [...new Set([...outside.map((n) => n.name), ...outsideLines.map((l) => l.agent.node).filter((n): n is string => !!n)])].sort();
      if (nodes.length > 0) {
        const downstream = nodes.flatMap((node) => downSymptoms(ctx.symptoms, node).filter((d) => d.kind === 'flannel').map((d) => d.symptom));
        const kubeadm = networks.find((n) => n.source === 'kubeadm podSubnet');
        ctx.report({
          key: 'flannel-network',
          confidence: 'high',
          message:
            `flannel's net-conf.json Network ${flannel.cidr} does not contain the podCIDR of ${nodes.join(', ')} (${outside.map((n) => `${n.name} ${n.podCIDRs[0]}`).join(', ') || 'as flanneld reports'}), so flanneld there refuses the lease ("subnet … specified in the flannel net config doesn't contain … PodCIDR") and never writes /run/flannel/subnet.env` +
            (kubeadm && !overlaps(kubeadm.cidr, flannel.cidr) ? `. kube-controller-manager allocates from ${kubeadm.cidr} (kubeadm podSubnet), a different range: the two must be the same.` : '.'),
          scope: { nodes, pods: podsOf(downstream) },
          citations: [
            ...symptomCitations(downstream, 1),
            flannel.citation,
            ...(kubeadm ? [kubeadm.citation] : []),
            ...outside.slice(0, 2).map((n) => ctx.cite(n, `node ${n.name}: spec.podCIDR ${n.podCIDRs[0]}`)),
            ...outsideLines.slice(0, 2).map((l) => ctx.cite(l.line)),
          ],
          remediation: [
            { text: `Make flannel's Network the cluster CIDR kube-controller-manager allocates from (${kubeadm?.cidr ?? '--cluster-cidr'}), then restart the flannel pods.`, command: `kubectl -n kube-flannel edit configmap kube-flannel-cfg && kubectl -n kube-flannel rollout restart daemonset kube-flannel-ds` },
            { text: `Compare the two ranges.`, command: `kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | grep -A3 networking; kubectl get nodes -o custom-columns=NAME:.metadata.name,PODCIDR:.spec.podCIDR` },
            { text: `Check that flanneld on ${nodes[0]} took its lease afterwards.`, command: `kubectl debug node/${nodes[0]} -it --image=busybox:1.36 -- chroot /host cat /run/flannel/subnet.env` },
          ],
          explains: downstream,
          whyHere: `The podCIDRs of ${nodes.join(', ')} lie outside ${flannel.cidr}.`,
        });
      }
    }

    // 3. The pod network against the Service CIDR, node addresses and host routes.
    for (const net of networks) {
      if (service && overlaps(net.cidr, service.cidr)) {
        ctx.report({
          key: `service/${net.cidr}`,
          confidence: 'high',
          message: `The pod network ${net.cidr} (${net.source}) overlaps the Service CIDR ${service.cidr}: a pod can get an address that kube-proxy treats as a Service ClusterIP, and traffic to it is rewritten or dropped.`,
          scope: { nodes: [] },
          citations: [net.citation, service.citation],
          remediation: [{ text: `Pick non-overlapping ranges; the pod network is the one that can change without re-creating Services (new IP pool / cluster CIDR, then recreate the pods).`, command: `kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | grep -A3 networking` }],
          whyHere: 'Cluster-wide: the ranges are cluster settings.',
        });
      }
      const hits: { node: string; what: string; citation: Citation; nodeIp: boolean }[] = [];
      for (const n of apiNodes) {
        for (const a of n.addresses.filter((x) => x.type === 'InternalIP' || x.type === 'ExternalIP')) {
          if (contains(net.cidr, a.address)) hits.push({ node: n.name, what: `${n.name}'s ${a.type} ${a.address}`, citation: ctx.cite(n, `node ${n.name}: ${a.type} ${a.address}`), nodeIp: true });
        }
      }
      for (const ev of ctx.nodes) {
        const own = new Set(apiNodes.find((n) => n.name === ev.name)?.podCIDRs.map((c) => networkOf(c)) ?? []);
        for (const r of ev.ipRoutes.filter((r: IpRouteRecord) => r.table === 'main' && r.type === 'unicast' && r.dst !== 'default' && r.dev && !CNI_DEVICE.test(r.dev))) {
          const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
          if (own.has(networkOf(dst)) || !overlaps(net.cidr, dst)) continue;
          hits.push({ node: ev.name, what: `the route ${r.dst} on ${r.dev} of ${ev.name}`, citation: ctx.cite(r, `${r.dst} dev ${r.dev}${r.proto ? ` proto ${r.proto}` : ''}${r.src ? ` src ${r.src}` : ''}`), nodeIp: false });
        }
        for (const a of ev.ipAddrs.filter((x: IpAddrRecord) => x.family === 'inet' && x.scope !== 'host' && !CNI_DEVICE.test(x.ifName))) {
          if (!contains(net.cidr, a.address) || hits.some((h) => h.node === ev.name && h.what.includes(a.address))) continue;
          hits.push({ node: ev.name, what: `${a.cidr} on ${a.ifName} of ${ev.name}`, citation: ctx.cite(a, `${a.ifName} inet ${a.cidr}`), nodeIp: false });
        }
      }
      if (hits.length === 0) continue;
      const nodes = [...new Set(hits.map((h) => h.node))].sort();
      const nodeIps = hits.some((h) => h.nodeIp);
      ctx.report({
        key: `host/${net.cidr}`,
        confidence: 'high',
        severity: nodeIps ? 'critical' : 'warning',
        message:
          `The pod network ${net.cidr} (${net.source}) overlaps the hosts' own network: ${hits.slice(0, 4).map((h) => h.what).join('; ')}${hits.length > 4 ? ` and ${hits.length - 4} more` : ''}. ` +
          'Pod addresses from that range collide with host addresses, routes to pods and to those hosts shadow each other, and NAT for outgoing pod traffic misfires. Choose a pod network that overlaps neither the node subnet nor any network the nodes route to.',
        scope: { nodes },
        citations: [net.citation, ...hits.slice(0, 4).map((h) => h.citation)],
        remediation: [
          { text: `Move pods to a range outside the host networks (Calico: create a new IPPool, disable the old one and recreate the pods; flannel/kubeadm: the cluster CIDR is fixed at creation, plan a rebuild).`, command: `kubectl get nodes -o wide; kubectl debug node/${nodes[0]} -it --image=busybox:1.36 -- chroot /host ip route` },
        ],
        whyHere: `${nodes.join(', ')} ${nodes.length > 1 ? 'have' : 'has'} addresses or routes inside ${net.cidr}.`,
      });
    }
  },
});

/** The pod network as each source configures it, deduplicated by CIDR (first source wins). */
function podNetworks(ctx: RuleContext): PodNetwork[] {
  const out: PodNetwork[] = [];
  const add = (cidr: string | undefined, source: string, citation: Citation) => {
    const net = networkOf(cidr?.trim());
    if (!net || out.some((n) => n.cidr === net)) return;
    out.push({ cidr: net, source, citation });
  };
  for (const cm of ctx.evidence.cluster.configmaps) {
    if (cm.name === 'kubeadm-config' && cm.data['ClusterConfiguration']) {
      try {
        const cfg = parseYaml(cm.data['ClusterConfiguration']) as { networking?: { podSubnet?: string } } | null;
        for (const c of cfg?.networking?.podSubnet?.split(',') ?? []) add(c, 'kubeadm podSubnet', ctx.cite(cm, `kubeadm-config networking.podSubnet: ${c.trim()}`));
      } catch {
        /* an unreadable ClusterConfiguration is another rule's finding */
      }
    }
    if (cm.name === 'kube-flannel-cfg' && cm.data['net-conf.json']) {
      try {
        const netConf = JSON.parse(cm.data['net-conf.json']) as { Network?: string; IPv6Network?: string };
        if (netConf.Network) add(netConf.Network, 'flannel net-conf.json Network', ctx.cite(cm, `${cm.namespace}/kube-flannel-cfg net-conf.json "Network": "${netConf.Network}"`));
      } catch {
        /* idem */
      }
    }
    if (cm.name === 'cilium-config') for (const c of (cm.data['cluster-pool-ipv4-cidr'] ?? '').split(/[\s,]+/).filter(Boolean)) add(c, 'Cilium cluster-pool-ipv4-cidr', ctx.cite(cm, `cilium-config cluster-pool-ipv4-cidr: ${c}`));
  }
  for (const a of agentPods(ctx.evidence).filter((x) => x.spec.kind === 'calico')) {
    for (const line of agentLinesMatching(a, /(?:Created default IPv4 pool|IPv4 pool) \(?(\d+\.\d+\.\d+\.\d+\/\d+)/)) {
      const m = /(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line.message);
      if (m) add(m[1], 'Calico IPv4 pool', ctx.cite(line));
    }
  }
  for (const ev of ctx.nodes) {
    for (const c of ev.cniConfigs) {
      for (const p of c.plugins) {
        const pools = (p.ipam?.raw['ipv4_pools'] as unknown[] | undefined) ?? [];
        for (const pool of pools) if (typeof pool === 'string') add(pool, `Calico ipv4_pools in ${c.fileName}`, ctx.cite({ file: c.file, line: p.line }, `"ipv4_pools": ["${pool}"]`));
      }
    }
  }
  return out;
}

function serviceCidr(ctx: RuleContext): { cidr: string; citation: Citation } | undefined {
  const cm = ctx.evidence.cluster.configmaps.find((c) => c.name === 'kubeadm-config');
  const text = cm?.data['ClusterConfiguration'];
  if (!cm || !text) return undefined;
  try {
    const cfg = parseYaml(text) as { networking?: { serviceSubnet?: string } } | null;
    const s = networkOf(cfg?.networking?.serviceSubnet?.split(',')[0]?.trim());
    return s ? { cidr: s, citation: ctx.cite(cm, `kubeadm-config networking.serviceSubnet: ${s}`) } : undefined;
  } catch {
    return undefined;
  }
}

