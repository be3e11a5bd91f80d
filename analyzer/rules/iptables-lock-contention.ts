/**
 * Several programs write iptables on one node (kube-proxy, the CNI agent, the CNI plugins the
 * runtime runs for every sandbox) and each iptables call takes /run/xtables.lock. When one holds it
 * too long (a big kube-proxy restore, a stuck process) the others give up with exit status 4:
 * `Another app is currently holding the xtables lock`. A CNI plugin that gives up fails the sandbox
 * ADD; an agent that gives up leaves its rules half-programmed (calico-2179).
 */
import { defineRule } from './define.js';
import type { Citation } from '../model.js';
import type { IptablesWarningRecord } from '../parsers/index.js';
import { chainOwners, joinLabels } from './lib/iptables-owners.js';
import { attemptCount, citationKeys, logHits, podsOf, representative } from './lib/node-logs.js';

const IPT = String.raw`ip\(?6?\)?tables(?:-legacy|-nft)?(?:-restore|-save)?`;
/** The lock itself, in every wording iptables, its wrappers and the agents use. */
const LOCK = /another app is currently holding the xtables lock|xtables lock (?:is )?(?:held|busy|timed? ?out)|(?:waiting|wait(?:ed)?) (?:for|on) (?:the )?xtables lock|(?:could not|couldn't|failed to|unable to) (?:get|acquire|grab|take|obtain) (?:the )?xtables lock|timed out waiting for (?:the )?xtables lock/i;
/** exit status 4 is iptables' RESOURCE_PROBLEM: the lock, or EAGAIN from a concurrent nf_tables change. */
const EXIT4 = new RegExp(String.raw`${IPT}\b.{0,400}?exit status 4\b|exit status 4\b.{0,200}?${IPT}|failed to program iptables.{0,200}?exit status 4\b|\(4\) another app`, 'i');
const EAGAIN = new RegExp(String.raw`${IPT}\b.{0,400}?resource temporarily unavailable`, 'i');
const ANY = new RegExp(`${LOCK.source}|${EXIT4.source}|${EAGAIN.source}`, 'i');
/** Other iptables failures that share the exit codes' neighbourhood but are not contention. */
const NOT_LOCK = /can't initialize ip6?tables table|table does not exist|do you need to insmod|no chain\/target\/match|couldn't load (?:target|match)|can't open lock file|you must be root|iptables-legacy tables present/i;

export default defineRule({
  id: 'iptables-lock-contention',
  title: 'iptables calls fail because another process holds the xtables lock',
  severity: 'warning',
  cni: true,
  needs: ['journal/*.log', 'net/iptables-save.txt', 'net/iptables-legacy-save.txt', 'cluster/logs/*/*/*'],
  description:
    'Matches iptables lock contention wherever it is logged: "Another app is currently holding the xtables lock", iptables/iptables-restore exiting with status 4 or "Resource temporarily unavailable" in sandbox errors, the kubelet/runtime journals, node CNI logs and agent logs (Felix "Failed to program iptables … exit status 4"), and lock warnings in the collected iptables-save. Lists the components that write iptables on the node from the chain names, since they are the ones competing for /run/xtables.lock.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const name = node.name;
      const symptoms = ctx.symptomsMatching(ANY, name).filter((s) => !NOT_LOCK.test(s.message));
      const logs = logHits(ctx, name, ANY, { exclude: citationKeys(symptoms), unless: NOT_LOCK, limit: 20 });
      const dumpWarnings = [...node.iptables, ...node.iptablesLegacy].filter((r): r is IptablesWarningRecord => r.kind === 'iptables-warning' && r.warning === 'xtables-lock');
      if (symptoms.length === 0 && logs.length === 0 && dumpWarnings.length === 0) continue;

      const texts = [...symptoms.map((s) => s.message), ...logs.map((l) => l.text), ...dumpWarnings.map((w) => w.text)];
      const explicit = texts.some((t) => LOCK.test(t));
      const owners = chainOwners([...node.iptables, ...node.iptablesLegacy]);
      const writerLabels = [...owners.values()].sort((a, b) => b.rules - a.rules).map((o) => o.owner.label);
      const totalRules = [...node.iptables, ...node.iptablesLegacy].filter((r) => r.kind === 'iptables-rule').length;
      const biggest = [...owners.values()].sort((a, b) => b.rules - a.rules)[0];
      const loggers = [...new Set(logs.map((l) => l.where))];
      const pods = podsOf(symptoms);

      const citations: Citation[] = [
        ...representative(symptoms).map((s) => s.citation),
        ...logs.slice(0, 3).map((l) => ctx.cite(l.record)),
        ...dumpWarnings.slice(0, 1).map((w) => ctx.cite(w, w.text)),
      ];
      if (biggest && biggest.chains[0]) {
        citations.push(ctx.cite(biggest.chains[0], `${biggest.chains.length} ${biggest.owner.id} chains with ${biggest.rules} rules (${biggest.chains.slice(0, 3).map((c) => c.chain).join(', ')}${biggest.chains.length > 3 ? ', …' : ''})`));
      }

      // Only the collector's own iptables-save met the lock: contention exists, its victims are unknown.
      const onlyDump = symptoms.length === 0 && logs.length === 0;
      const confidence = onlyDump ? 'low' : explicit ? 'high' : owners.size >= 2 || loggers.length >= 2 ? 'medium' : 'low';
      const what = explicit
        ? 'another process holds the xtables lock (/run/xtables.lock) and iptables gives up waiting for it'
        : 'iptables exits with status 4 (RESOURCE_PROBLEM): the xtables lock was busy, or on the nf_tables backend a concurrent ruleset change made the kernel answer "Resource temporarily unavailable"';
      const effects: string[] = [];
      const attempts = attemptCount(symptoms);
      if (symptoms.length > 0) effects.push(`sandbox setup failed ${attempts} time${attempts > 1 ? 's' : ''} because the CNI plugin's iptables call gave up${pods.length > 0 ? ` (${pods.slice(0, 3).join(', ')}${pods.length > 3 ? ', …' : ''})` : ''}`);
      if (loggers.length > 0) effects.push(`the same failure is in the ${joinLabels(loggers.slice(0, 3))} (${logs.length} line${logs.length > 1 ? 's' : ''}), so rules those components program may be missing or half-applied`);
      if (dumpWarnings.length > 0) effects.push('even the collector\'s iptables-save met the lock');
      ctx.report({
        key: name,
        severity: symptoms.length > 0 ? 'critical' : 'warning',
        confidence,
        message:
          `On ${name}, ${what}. ${capitalize(effects.join('; '))}. ` +
          (writerLabels.length > 0
            ? `Programs writing iptables here: ${joinLabels(writerLabels.slice(0, 5))}${totalRules > 0 ? ` (${totalRules} rules in all)` : ''}; every iptables and iptables-restore call of each of them takes the same lock, so one slow writer (a large kube-proxy restore) or one that never releases it starves the others.`
            : 'Every iptables and iptables-restore call on the node takes the same lock, so one slow or stuck writer starves the others.'),
        scope: { nodes: [name], pods },
        citations,
        remediation: [
          {
            text: `See who holds the lock on ${name} right now: a long-running iptables or iptables-restore process is the culprit.`,
            command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'ps -eo pid,etime,args | grep -E "ip6?tables(-legacy|-nft)?(-restore|-save)?( |$)" | grep -v grep; ls -l /run/xtables.lock'`,
          },
          {
            text: 'Every agent that writes iptables must mount the host\'s /run/xtables.lock (hostPath, FileOrCreate) so the agents wait for each other; list the DaemonSets that do.',
            command: `kubectl get ds -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: {.spec.template.spec.volumes[?(@.hostPath.path=="/run/xtables.lock")].name}{"\\n"}{end}'`,
          },
          {
            text: 'Let the writers wait longer and hold the lock less: Calico FELIX_IPTABLESLOCKTIMEOUTSECS (or a Calico release without the 3.2 lock bug), kube-proxy --iptables-min-sync-period or the ipvs/nftables proxy mode on clusters with many Services.',
          },
          ...pods.slice(0, 3).map((p) => ({ text: `Once the lock is free, let ${p} retry its sandbox.`, command: `kubectl delete pod -n ${p.split('/')[0]} ${p.split('/')[1]}` })),
        ],
        confirmWith: explicit
          ? []
          : [`ps -eo pid,etime,args | grep iptables on ${name} while the failures happen`, `kube-proxy's log on ${name} (the bundle does not read it): kubectl -n kube-system logs $(kubectl -n kube-system get pod -l k8s-app=kube-proxy --field-selector spec.nodeName=${name} -o name) | grep -i xtables`],
        explains: symptoms,
        whyHere: `${name} is where iptables callers hit the lock (${symptoms.length + logs.length + dumpWarnings.length} line${symptoms.length + logs.length + dumpWarnings.length > 1 ? 's' : ''})${owners.size > 0 ? `; ${owners.size} component${owners.size > 1 ? 's' : ''} write iptables there` : ''}.`,
      });
    }
  },
});

function capitalize(text: string): string {
  return text.length > 0 ? `${text[0]!.toUpperCase()}${text.slice(1)}` : text;
}
