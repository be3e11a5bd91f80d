/**
 * Pods or the overlay send packets larger than the path carries. An overlay adds a header (VXLAN
 * 50 bytes, IPIP 20, WireGuard 60) to every pod packet, so the overlay device must be that much
 * smaller than the NIC under it, and the pods' veths no larger than the overlay. When a node sits
 * on a smaller-MTU network than the others (or the CNI was configured for 1500 on a 1450 network),
 * small packets pass and large ones vanish: TLS handshakes and large responses hang, pings work.
 * It rarely fails a sandbox, so this is a node-level finding unless a pod's error mentions MTU.
 */
import { defineRule, type RuleContext } from './define.js';
import type { NodeEvidence } from '../evidence/types.js';
import type { Citation, Confidence } from '../model.js';
import type { IpLinkRecord } from '../parsers/index.js';
import { representative } from './lib/node-logs.js';

type Encap = 'vxlan' | 'geneve' | 'ipip' | 'wireguard';
const OVERHEAD: Record<Encap, { v4: number; v6: number; label: string }> = {
  vxlan: { v4: 50, v6: 70, label: 'VXLAN' },
  geneve: { v4: 50, v6: 70, label: 'Geneve' },
  ipip: { v4: 20, v6: 40, label: 'IP-in-IP' },
  wireguard: { v4: 60, v6: 80, label: 'WireGuard' },
};
const POD_VETH = /^(veth|cali|lxc(?!_health)|eni|vethwe|azv|gke|antrea-|nsm)/;
const MTU_SYMPTOM = /\bmtu\b|message too long|frag(?:mentation)? needed/i;

interface Overlay {
  link: IpLinkRecord;
  encap: Encap;
  overhead: number;
}

interface NodeMtu {
  node: NodeEvidence;
  underlay?: IpLinkRecord;
  overlays: Overlay[];
  /** The CNI bridge(s) and pod veths, up. */
  podSide: IpLinkRecord[];
}

interface Problem {
  text: string;
  citations: Citation[];
  strength: 'device' | 'config' | 'cross-node';
}

function encapOf(link: IpLinkRecord): Encap | undefined {
  // Cilium's collect-metadata tunnel devices keep 1500 by design; Cilium sets the MTU on routes.
  if (/^cilium_/.test(link.name)) return undefined;
  if (link.linkKind === 'vxlan' && (link.vxlan?.id !== undefined || /^(flannel\.\d+|vxlan\.calico|vxlan-v6\.calico|weave|kube-ovn)/.test(link.name))) return 'vxlan';
  if (link.linkKind === 'geneve' || /^(genev_sys|antrea-tun)/.test(link.name)) return 'geneve';
  if ((link.linkKind === 'ipip' || link.linkType === 'ipip' || /^(tunl0|flannel\.ipip)$/.test(link.name)) && link.up) return 'ipip';
  if (link.linkKind === 'wireguard' || /^(flannel-wg|wireguard\.cali|wg-)/.test(link.name)) return 'wireguard';
  return undefined;
}

function measure(node: NodeEvidence): NodeMtu {
  const links = node.ipLinks.filter((l) => l.mtu !== undefined);
  const byName = new Map(links.map((l) => [l.name, l]));
  const overlays: Overlay[] = [];
  for (const link of links) {
    const encap = encapOf(link);
    if (!encap) continue;
    const v6 = link.vxlan?.local?.includes(':') === true;
    overlays.push({ link, encap, overhead: v6 ? OVERHEAD[encap].v6 : OVERHEAD[encap].v4 });
  }
  const defaultRoute = node.ipRoutes.find((r) => r.dst === 'default' && r.family === 4 && (r.table === 'main' || r.table === '') && r.dev);
  const underlayName = overlays.find((o) => o.link.vxlan?.dev)?.link.vxlan?.dev ?? defaultRoute?.dev ?? (byName.has('eth0') ? 'eth0' : undefined);
  const underlay = underlayName ? byName.get(underlayName) : undefined;
  const bridges = new Set(node.cniConfigs.flatMap((c) => c.plugins).filter((p) => p.type === 'bridge' || p.type === 'flannel').map((p) => p.bridge ?? 'cni0'));
  if (bridges.size === 0) bridges.add('cni0').add('cbr0');
  const podSide = links.filter((l) => l.up && l !== underlay && (bridges.has(l.name) || ((l.linkKind === 'veth' || POD_VETH.test(l.name)) && (!l.master || bridges.has(l.master)))));
  return { node, ...(underlay ? { underlay } : {}), overlays, podSide };
}

function cite(ctx: RuleContext, link: IpLinkRecord, extra = ''): Citation {
  return ctx.cite(link, `${link.index}: ${link.name}: mtu ${link.mtu}${link.linkKind ? ` (${link.linkKind}${link.vxlan?.dev ? ` dev ${link.vxlan.dev}` : ''})` : ''}${extra}`);
}

/** Calico's own tunnel device decides its overhead; canal (Calico CNI on flannel) uses flannel.1's. */
function calicoOverhead(m: NodeMtu): number {
  const o = m.overlays.find((x) => /^(tunl0|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali)$/.test(x.link.name)) ?? m.overlays.find((x) => /^flannel/.test(x.link.name));
  return o?.overhead ?? 0;
}

export default defineRule({
  id: 'mtu-mismatch',
  title: 'Pod or overlay MTU is larger than the network path carries',
  severity: 'warning',
  cni: true,
  needs: ['net/ip-addr.txt', 'net/ip-link.txt', 'net/ip-route.txt', 'flannel/subnet.env', 'cni/net.d/*', 'cluster/configmaps/*/*'],
  description:
    'Per node, compares the MTU of the NIC under the overlay (eth0 or the VXLAN device\'s dev) with the overlay device (flannel.1, vxlan.calico, tunl0, WireGuard) minus its header, and with the CNI bridge and pod veths; also FLANNEL_MTU in subnet.env, an "mtu" in the CNI config, Calico\'s veth_mtu, and NIC MTUs that differ between nodes. Oversized pod packets are dropped silently: small requests work, large ones hang.',
  check(ctx) {
    const all = ctx.nodes.map((n) => measure(n));
    const measured = all.filter((m) => m.underlay !== undefined);
    for (const m of all.filter((x) => x.underlay === undefined)) {
      const symptoms = ctx.symptomsMatching(MTU_SYMPTOM, m.node.name);
      if (symptoms.length === 0) continue;
      ctx.notEnoughEvidence({
        scope: { nodes: [m.node.name], pods: [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))] },
        reason: `sandbox errors on ${m.node.name} mention the MTU, but the bundle has no interface list with MTUs for the node (NIC, overlay, bridge) to compare`,
        missing: ctx.missing(m.node.name, ['net/ip-addr.txt', 'net/ip-link.txt', 'net/ip-route.txt']),
      });
    }
    const calicoConfig = ctx.evidence.cluster.configmaps.find((c) => c.name === 'calico-config' || c.name === 'canal-config');
    const vethMtuText = calicoConfig?.data['veth_mtu'];
    const vethMtu = vethMtuText && /^\d+$/.test(vethMtuText.trim()) ? Number(vethMtuText.trim()) : undefined;
    const minUnderlay = Math.min(...measured.map((m) => m.underlay!.mtu!));

    for (const m of measured) {
      const name = m.node.name;
      const underlay = m.underlay!;
      const u = underlay.mtu!;
      const problems: Problem[] = [];
      // What fits through this node's NIC once the overlay header is added.
      const primary = m.overlays.find((o) => o.link.vxlan?.dev === underlay.name) ?? m.overlays[0];
      const fits = primary ? Math.min(primary.link.mtu!, u - primary.overhead) : u;

      for (const o of m.overlays) {
        if (o.link.mtu! > u - o.overhead) {
          problems.push({
            strength: 'device',
            text: `${o.link.name} (${OVERHEAD[o.encap].label}) has MTU ${o.link.mtu}, but ${underlay.name} below it carries ${u}: with the ${o.overhead}-byte ${OVERHEAD[o.encap].label} header a full-size overlay packet is ${o.link.mtu! + o.overhead} bytes, so the largest that fits is ${u - o.overhead}`,
            citations: [cite(ctx, o.link), cite(ctx, underlay)],
          });
        }
      }
      const tooBig = m.podSide.filter((l) => l.mtu! > fits);
      if (tooBig.length > 0) {
        const top = tooBig.sort((a, b) => b.mtu! - a.mtu!)[0]!;
        const names = [...new Set(tooBig.map((l) => (POD_VETH.test(l.name) && l.linkKind !== 'bridge' ? 'pod veths' : l.name)))];
        problems.push({
          strength: 'device',
          text: `${names.join(' and ')} use MTU ${top.mtu}, more than the ${fits} bytes that fit through ${primary ? `${primary.link.name} on ` : ''}${underlay.name}, so pods send packets the path drops`,
          citations: [cite(ctx, top), ...(primary ? [] : [cite(ctx, underlay)])],
        });
      }

      const env = m.node.subnetEnv;
      if (env?.mtu !== undefined) {
        const flannelDev = m.overlays.find((o) => /^flannel/.test(o.link.name));
        const overhead = flannelDev?.overhead ?? 0;
        const v = env.vars['FLANNEL_MTU'];
        const envCite = ctx.cite({ file: env.file, line: v?.line ?? 0 }, `FLANNEL_MTU=${env.mtu}`);
        if (env.mtu > u - overhead) {
          problems.push({ strength: 'config', text: `flannel hands pods FLANNEL_MTU=${env.mtu} (subnet.env), but ${underlay.name} minus the ${overhead}-byte header leaves ${u - overhead}`, citations: [envCite] });
        } else if (flannelDev && flannelDev.link.mtu !== env.mtu && flannelDev.link.mtu! > u - overhead) {
          problems.push({ strength: 'config', text: `subnet.env says FLANNEL_MTU=${env.mtu} but ${flannelDev.link.name} has ${flannelDev.link.mtu}: flannel wrote one before the other changed`, citations: [envCite] });
        }
      }

      const active = m.node.cniConfigs.find((c) => c.loadedByLibcni && !c.flags.invalidJson && !c.flags.empty);
      for (const plugin of active?.plugins ?? []) {
        if (plugin.mtu !== undefined && plugin.mtu > fits) {
          problems.push({
            strength: 'config',
            text: `${active!.fileName} sets "mtu": ${plugin.mtu} for the ${plugin.type ?? 'main'} plugin, more than the ${fits} bytes that fit`,
            citations: [ctx.cite({ file: active!.file, line: plugin.line }, `"type": "${plugin.type ?? '?'}", "mtu": ${plugin.mtu}`)],
          });
        }
      }

      const runsCalico = active?.pluginTypes.includes('calico') === true || m.node.ipLinks.some((l) => /^cali/.test(l.name));
      if (calicoConfig && vethMtu !== undefined && vethMtu > 0 && runsCalico && vethMtu > u - calicoOverhead(m)) {
        const overhead = calicoOverhead(m);
        problems.push({
          strength: 'config',
          text: `the ${calicoConfig.namespace}/${calicoConfig.name} ConfigMap sets veth_mtu ${vethMtu}, but ${underlay.name} is ${u}${overhead > 0 ? ` and Calico's encapsulation here needs ${overhead} bytes` : ''}, so ${u - overhead} is the most pods can use`,
          citations: [ctx.cite(calicoConfig, `${calicoConfig.namespace}/${calicoConfig.name} veth_mtu: "${vethMtuText}"`)],
        });
      }

      // Other nodes send full-size packets to this one: their overlay packets must fit this NIC.
      if (u === minUnderlay) {
        const senders = measured
          .filter((o) => o !== m)
          .map((o) => {
            const ov = o.overlays.find((x) => x.link.vxlan?.dev === o.underlay!.name) ?? o.overlays[0];
            const podMax = Math.max(0, ...o.podSide.map((l) => l.mtu!));
            return { o, size: ov ? ov.link.mtu! + ov.overhead : podMax, link: ov?.link ?? o.podSide[0] };
          })
          .filter((s) => s.size > u && s.link);
        if (senders.length > 0) {
          const first = senders[0]!;
          problems.push({
            strength: 'cross-node',
            text: `${senders.map((s) => s.o.node.name).join(', ')} send${senders.length === 1 ? 's' : ''} overlay packets of up to ${first.size} bytes (${first.link!.name} MTU ${first.link!.mtu}${first.o.underlay ? `, ${first.o.underlay.name} ${first.o.underlay.mtu}` : ''}), which ${name}'s ${underlay.mtu}-byte ${underlay.name} cannot take`,
            citations: [cite(ctx, first.link!), cite(ctx, underlay)],
          });
        }
      }

      if (problems.length === 0) continue;
      const symptoms = ctx.symptomsMatching(MTU_SYMPTOM, name);
      const pods = [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
      const confidence: Confidence = problems.some((p) => p.strength === 'device') || symptoms.length > 0 ? 'high' : 'medium';
      const others = measured.filter((o) => o !== m && o.underlay!.mtu !== u);
      const agent = ctx.evidence.cluster.pods.find((p) => p.nodeName === name && /^(kube-flannel|canal|calico-node|cilium|weave-net|antrea-agent)/.test(p.name));
      const peer = ctx.evidence.cluster.nodes.find((n) => n.name !== name && n.internalIP)?.internalIP;
      const citations = dedupe([...representative(symptoms).map((s) => s.citation), ...problems.flatMap((p) => p.citations)]);
      ctx.report({
        key: name,
        severity: symptoms.length > 0 ? 'critical' : 'warning',
        confidence,
        message:
          `On ${name}, ${problems.map((p) => p.text).join('; ')}. ` +
          `Packets larger than the path are dropped without an error to the pod: pings and small requests work, while TLS handshakes, large responses and image pulls through pods hang.` +
          (others.length > 0 ? ` ${name}'s ${underlay.name} is ${u} while ${others.map((o) => `${o.node.name}'s is ${o.underlay!.mtu}`).join(', ')}: the nodes do not sit on networks of one MTU.` : ''),
        scope: { nodes: [name], pods },
        citations,
        remediation: [
          {
            text: `Measure what the path from ${name} really carries: a don't-fragment ping of ${u - 28} bytes of payload fills ${underlay.name}'s ${u}-byte frames.`,
            command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'ip -d link show | grep -E "^[0-9]+:|mtu"; ping -M do -s ${u - 28} -c 3 ${peer ?? '<another node IP>'}'`,
          },
          agent && /flannel|canal/.test(agent.name)
            ? { text: `flannel sizes flannel.1 and FLANNEL_MTU from ${underlay.name} when it starts: once ${underlay.name} has the MTU the network really has, restart the agent on ${name} so it recomputes them (${u - (primary?.overhead ?? 50)} for VXLAN on ${u}).`, command: `kubectl -n ${agent.namespace} delete pod ${agent.name}` }
            : agent && /calico/.test(agent.name)
              ? { text: `Set Calico's pod MTU to ${u - calicoOverhead(m)} (${underlay.name} ${u} minus the encapsulation) and restart calico-node.`, command: calicoConfig ? `kubectl -n ${calicoConfig.namespace} patch configmap ${calicoConfig.name} --type merge -p '{"data":{"veth_mtu":"${u - calicoOverhead(m)}"}}' && kubectl -n ${agent.namespace} delete pod ${agent.name}` : `kubectl patch installation default --type merge -p '{"spec":{"calicoNetwork":{"mtu":${u - calicoOverhead(m)}}}}'` }
              : { text: `Set the CNI's MTU to ${fits} or less (the NIC's MTU minus the overlay header) and restart its agent on ${name}.` },
          {
            text: `Pods keep the MTU they were created with: recreate the bridge and the pods on ${name} after the fix.`,
            command: `kubectl drain ${name} --ignore-daemonsets --delete-emptydir-data && kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host ip link delete cni0; kubectl uncordon ${name}`,
          },
          ...(others.length > 0 ? [{ text: `Give every node's NIC the MTU of the network it is on (VPC/DHCP option 26/netplan), or size the overlay for the smallest (${Math.min(u, ...others.map((o) => o.underlay!.mtu!))}).` }] : []),
        ],
        confirmWith: confidence === 'high' ? [] : [`ip -d link show on ${name} (overlay and NIC MTUs as the kernel has them)`],
        explains: symptoms,
        whyHere: others.length > 0 ? `${name}'s ${underlay.name} MTU is ${u}; ${others.map((o) => `${o.node.name} ${o.underlay!.mtu}`).join(', ')}.` : `${name}'s pod/overlay MTU does not fit its ${u}-byte ${underlay.name}.`,
      });
    }
  },
});

function dedupe(citations: Citation[]): Citation[] {
  const seen = new Set<string>();
  return citations.filter((c) => {
    const key = `${c.file}:${c.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
