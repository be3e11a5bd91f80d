/**
 * The IPAM pool the node allocates from has no free address: host-local's range is full, Calico's
 * blocks are used up, or the AWS node ran out of ENI/IP capacity. Leaked reservations are a
 * separate rule (ipam-leaked): exhaustion says "full", leaks say "full of the dead".
 */
import { ipv4ToNumber, parseCidr, usableAddresses } from './lib/cidr.js';
import { classifyReservations, deadShareByNetwork } from './lib/host-local.js';
import { searchTest } from './lib/prefilter.js';
import { defineRule } from './define.js';
import type { HostLocalReservation } from '../parsers/index.js';

const EXHAUSTED = /no IP addresses available in range set: ?([0-9a-f.:]+-[0-9a-f.:]+)?|failed to allocate for range \d+|no more free IPs|no available IP addresses|failed to assign an IP address to container|ipam: no more addresses|AssignIP.* no free|resource temporarily unavailable.*ipam|InsufficientFreeAddressesInSubnet|number of IPs exceeds|failed to get IP from pool|block is full|Assigned 0 out of 1 requested IPv4 addresses/i;

export default defineRule({
  id: 'ipam-exhausted',
  title: 'The IP address pool for new pods is exhausted',
  severity: 'critical',
  cni: true,
  needs: ['cni/networks/*/*', 'cni/net.d/*', 'journal/*.log'],
  description:
    'Matches IPAM allocation failures (host-local "no IP addresses available in range set", Calico block exhaustion, AWS VPC CNI ENI/IP limits) and, for host-local, counts the reservation files against the size of the configured range.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const failures = ctx.symptomsMatching(EXHAUSTED, node.name);
      const agentErrors = ctx.evidence.cluster.agentLogs
        .filter((log) => ctx.evidence.cluster.pods.some((p) => p.namespace === log.namespace && p.name === log.pod && p.nodeName === node.name))
        .flatMap((log) => log.records.filter((r) => r.severity === 'error' && searchTest(EXHAUSTED, r.message)));
      const nodeLogErrors = [...node.logs.values()].flatMap((log) => log.records.filter((r) => (r.severity === 'error' || r.severity === 'warning') && searchTest(EXHAUSTED, r.message)));
      const reservations = node.hostLocal.filter((r): r is HostLocalReservation => r.kind === 'host-local-reservation');

      // host-local: compare reservations with the range of the active config's network.
      const active = node.cniConfigs.find((c) => c.loadedByLibcni && !c.flags.invalidJson);
      const ipam = active?.plugins.find((p) => p.ipam?.type === 'host-local')?.ipam;
      let capacity: number | undefined;
      let rangeText: string | undefined;
      const range = ipam?.ranges[0]?.[0];
      if (range) {
        const start = range.rangeStart ? ipv4ToNumber(range.rangeStart) : undefined;
        const end = range.rangeEnd ? ipv4ToNumber(range.rangeEnd) : undefined;
        capacity = start !== undefined && end !== undefined ? end - start + 1 : usableAddresses(range.subnet);
        rangeText = range.rangeStart && range.rangeEnd ? `${range.rangeStart}-${range.rangeEnd}` : range.subnet;
      } else if (ipam?.subnet) {
        capacity = usableAddresses(ipam.subnet);
        rangeText = ipam.subnet;
      }
      const network = active?.name;
      const used = reservations.filter((r) => r.network === network && r.family === 4);
      const full = capacity !== undefined && capacity > 0 && used.length >= capacity;

      if (failures.length === 0 && agentErrors.length === 0 && nodeLogErrors.length === 0 && !full) continue;
      const pods = [...new Set(failures.map((s) => s.pod).filter((p): p is string => p !== null))];
      const rangeFromError = EXHAUSTED.exec(failures[0]?.message ?? '')?.[1];
      const citations = [
        ...failures.slice(0, 2).map((s) => s.citation),
        ...agentErrors.slice(0, 2).map((r) => ctx.cite(r)),
        ...nodeLogErrors.slice(0, 2).map((r) => ctx.cite(r)),
        ...used.slice(0, 3).map((r) => ctx.cite(r, `${r.ip} reserved by ${r.containerId ?? '?'} (${r.network})`)),
      ];
      const small = parseCidr(rangeText?.includes('/') ? rangeText : undefined);
      // When most reservations belong to dead sandboxes, the pool is full of leaks: ipam-leaked is the cause.
      const leak = network !== undefined ? deadShareByNetwork(classifyReservations(ctx.evidence, node)).get(network) : undefined;
      const leaked = leak !== undefined && leak.dead.length * 2 >= leak.total;
      ctx.report({
        key: node.name,
        confidence: failures.length > 0 && (full || reservations.length > 0) && !leaked ? 'high' : failures.length > 0 || agentErrors.length > 0 ? 'medium' : 'low',
        severity: failures.length > 0 || agentErrors.length > 0 || nodeLogErrors.length > 0 ? 'critical' : 'warning',
        message:
          `On ${node.name}, IPAM has no free address${rangeFromError || rangeText ? ` in ${rangeFromError ?? rangeText}` : ''}` +
          (capacity !== undefined ? `: ${used.length} of ${capacity} addresses are reserved` : '') +
          `. Every new pod sandbox on the node fails its ADD until addresses are freed or the range grows.` +
          (small && small.prefix >= 28 ? ` The range is very small (/${small.prefix}).` : '') +
          (leaked ? ` ${leak!.dead.length} of the ${leak!.total} reservations belong to sandboxes that no longer exist: the range is full of leaks (see ipam-leaked).` : ''),
        scope: { nodes: [node.name], pods },
        citations,
        remediation: [
          { text: `Check whether the reservations belong to running pods (if not, they leaked: see ipam-leaked) before touching them.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node.name} | wc -l` },
          { text: `Grow the pool: a larger node podCIDR (kube-controller-manager --node-cidr-mask-size), a larger IPAM range in the CNI config, or for AWS VPC CNI prefix delegation / a larger instance type.` },
          { text: `Lower max pods on ${node.name} so the kubelet stops scheduling past the pool's size.` },
        ],
        confirmWith: reservations.length === 0 ? ctx.missing(node.name, ['cni/networks/*/*']).concat([`ls /var/lib/cni/networks/* on ${node.name}`]) : [],
        explains: failures,
        whyHere: capacity !== undefined ? `${node.name}'s range ${rangeText} is full (${used.length}/${capacity}).` : `${node.name} reports no free addresses.`,
      });
    }
  },
});
