/**
 * host-local reservations whose sandbox no longer exists: the IP file in
 * /var/lib/cni/networks/<network>/ names a container that crictl does not know, whose network
 * namespace is gone, or that was reserved before the node last booted. Every DEL that never ran
 * (a reboot, a crash, a teardown that failed on a broken cache or a missing plugin) leaves one, and
 * once the dead fill the range every ADD fails with "no IP addresses available in range set".
 * ipam-exhausted is the symptom; this rule is the cause when most reservations are dead.
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { Citation, RemediationStep } from '../model.js';
import { defineRule } from './define.js';
import { confDirView, onNode, runtimeConfDir } from './lib/cni-netd.js';
import { classifyReservations, deadShareByNetwork, type ReservationLife } from './lib/host-local.js';
import { formatDuration } from './lib/node-time.js';

const EXHAUSTED = /no IP addresses available in range set|failed to allocate for range \d+|no more free IPs|no available IP addresses|ipam: no more addresses/i;

export default defineRule({
  id: 'ipam-leaked',
  title: 'IP reservations held by sandboxes that no longer exist',
  severity: 'critical',
  cni: true,
  needs: ['cni/networks/*/*', 'cni/networks.ls', 'net/netns.ls', 'cni/results/*', 'system/uptime.txt'],
  description:
    'Checks every host-local reservation (/var/lib/cni/networks/<network>/<ip>) against the sandbox that holds it: crictl pods, the network namespace its result cache records (/run/netns), a running pod with that IP, and the boot time (reservations older than the boot are dead). When most reservations of a full range are dead, the leak, not the range size, is why new pods get "no IP addresses available in range set".',
  check(ctx) {
    for (const node of ctx.nodes) {
      const report = classifyReservations(ctx.evidence, node);
      if (report.items.length === 0) continue;
      const byNetwork = deadShareByNetwork(report);
      const exhaustion = ctx.symptomsMatching(EXHAUSTED, node.name);
      if (exhaustion.length > 0 && report.items.every((i) => i.status === 'unknown')) {
        ctx.notEnoughEvidence({
          scope: { nodes: [node.name], pods: [...new Set(exhaustion.map((s) => s.pod).filter((p): p is string => p !== null))] },
          reason: `the range on ${node.name} is full, but nothing in the bundle shows whether the sandboxes holding its ${report.items.length} reservations still exist (leaked or really in use)`,
          missing: [...ctx.missing(node.name, ['net/netns.ls', 'cri/pods.json', 'system/uptime.txt', 'cni/results/*']), `crictl pods -q --no-trunc on ${node.name}`],
        });
      }
      const dataDir = confDirView(ctx, node, runtimeConfDir(node, ctx.symptoms).dir).winner?.plugins.find((p) => p.ipam?.type === 'host-local')?.ipam?.dataDir ?? '/var/lib/cni/networks';

      for (const [network, { total, dead }] of byNetwork) {
        if (dead.length === 0) continue;
        const unknown = report.items.filter((i) => i.reservation.network === network && i.status === 'unknown').length;
        const mostlyDead = dead.length * 2 >= total;
        const explains: Symptom[] = mostlyDead ? exhaustion : [];
        const citations: Citation[] = [];
        const podSymptom = explains.find((s) => s.pod && s.stage !== 'event') ?? explains[0];
        if (podSymptom) citations.push(podSymptom.citation);
        for (const d of dead.slice(0, 3)) citations.push(ctx.cite(d.reservation, `${d.reservation.ip} reserved by ${d.reservation.containerId?.slice(0, 12) ?? '?'}${d.pod ? ` (${d.pod})` : ''}`));
        const proofs = [...new Map(dead.filter((d) => d.citation).map((d) => [`${d.citation!.file}:${d.citation!.line}`, d.citation!])).values()];
        citations.push(...proofs.slice(0, 3));
        const netnsDot = node.netnsListing?.find((r) => r.kind === 'ls-entry' && r.name === '.');
        if (netnsDot && dead.some((d) => /namespace/.test(d.why))) {
          const names = (node.netnsListing ?? []).filter((r) => r.kind === 'ls-entry' && r.name !== '.').map((r) => (r.kind === 'ls-entry' ? r.name : ''));
          citations.push(ctx.cite(netnsDot, `/run/netns holds ${names.length === 0 ? 'no namespace at all' : names.slice(0, 4).join(', ')}`));
        }
        const rebooted = dead.filter((d) => /before the node booted/.test(d.why));
        if (rebooted.length > 0 && report.boot) citations.push(report.boot.citation);

        const list = dead.slice(0, 4).map((d) => describe(d)).join('; ');
        const reason =
          rebooted.length === dead.length && report.boot
            ? ` They were all reserved before the node rebooted ${formatDuration(report.boot.uptimeSeconds)} ago: the runtime never ran DEL for the sandboxes that died with the old boot.`
            : dead.every((d) => /netns|namespace/.test(d.why))
              ? ' Their sandboxes died without a DEL (a crash, a killed runtime, or a teardown that failed), so host-local never released the IPs.'
              : '';
        const full = exhaustion.length > 0;
        ctx.report({
          key: `${node.name}/${network}`,
          severity: full && mostlyDead ? 'critical' : 'warning',
          confidence: unknown === 0 || mostlyDead ? 'high' : 'medium',
          message:
            `On ${node.name}, ${dead.length} of the ${total} addresses reserved in host-local network "${network}" belong to sandboxes that no longer exist (${list}${dead.length > 4 ? '; …' : ''}).` +
            reason +
            (full
              ? mostlyDead
                ? ` That is why the range is full: new pods fail with "no IP addresses available in range set" although the addresses are not really in use.`
                : ` The range is full; freeing the dead reservations gives back ${dead.length} address${dead.length > 1 ? 'es' : ''}, but most are held by live sandboxes (see ipam-exhausted).`
              : ` Each one keeps an address out of the pool until it is removed.`),
          scope: { nodes: [node.name], pods: [...new Set(explains.map((s) => s.pod).filter((p): p is string => p !== null))] },
          citations,
          remediation: remediation(node.name, `${dataDir}/${network}`, dead),
          confirmWith: unknown > 0 ? [`crictl pods -q --no-trunc on ${node.name}, to check the ${unknown} reservation${unknown > 1 ? 's' : ''} the bundle could not place`] : [],
          explains,
          whyHere: `${node.name} keeps ${dead.length} dead reservation${dead.length > 1 ? 's' : ''} in ${dataDir}/${network}.`,
        });
      }
    }
  },
});

function describe(d: ReservationLife): string {
  return `${d.reservation.ip}${d.pod ? ` of ${d.pod}` : ''}: ${d.why}`;
}

function remediation(node: string, dir: string, dead: ReservationLife[]): RemediationStep[] {
  const files = dead.map((d) => `${dir}/${d.reservation.ip}`);
  const caches = dead.map((d) => d.cache?.file.replace(/^nodes\/[^/]+\/cni\/results\//, '/var/lib/cni/results/')).filter((f): f is string => !!f);
  const ids = dead.map((d) => d.reservation.containerId).filter((id): id is string => !!id);
  const steps: RemediationStep[] = [
    {
      text: `Check first that no sandbox of these ids runs (each line should print "gone").`,
      command: onNode(node, `for id in ${ids.slice(0, 20).join(' ')}; do crictl inspectp $id >/dev/null 2>&1 && echo "$id alive" || echo "$id gone"; done`),
    },
    {
      text: `Remove the dead reservation${files.length > 1 ? 's' : ''}${caches.length > 0 ? ' and the result cache of the dead sandboxes' : ''}; host-local hands the addresses out again at the next ADD.`,
      command: onNode(node, `rm -f ${[...files, ...caches].join(' ')}`),
    },
    {
      text: 'Find what skipped the DEL: a reboot with a runtime that does not tear down sandboxes whose netns is gone (upgrade it, or clear the reservations at boot), or teardowns that failed (a broken result cache, a missing plugin: see the other findings for this node).',
    },
  ];
  return steps;
}
