/**
 * The node has rules in both iptables backends: the legacy x_tables and nf_tables (iptables-nft).
 * The kernel runs both, but each component only sees and orders the rules of the backend its own
 * iptables binary uses: when kube-proxy writes KUBE-* into one and the CNI writes its chains into
 * the other, Service traffic from pods is NATed and filtered in an order nobody chose (calico-3709:
 * Felix picked legacy because ip_tables.ko was loaded, kube-proxy used nft). `iptables-nft-save`
 * says so on stderr: `# Warning: iptables-legacy tables present, use iptables-legacy-save to see them`.
 */
import { defineRule } from './define.js';
import type { Citation, Confidence, Severity } from '../model.js';
import type { IptablesBackend, IptablesRecord, IptablesWarningRecord } from '../parsers/index.js';
import { chainOwners, contentOf, joinLabels, summaryOf, type OwnerCensus } from './lib/iptables-owners.js';
import { logHits, representative } from './lib/node-logs.js';

const DEFAULT_DUMP = 'net/iptables-save.txt';
const LEGACY_DUMP = 'net/iptables-legacy-save.txt';
/** Felix and other agents log the backend they detected or were told to use. */
const AGENT_BACKEND = /backendMode="?(legacy|nft)"?|iptables backend[^.]{0,60}?\b(legacy|nft|nf_tables)\b|FELIX_IPTABLESBACKEND[=: ]+"?(\w+)/i;
/** Sandbox errors a split ruleset can cause: a chain exists only in the backend the plugin does not use. */
const SPLIT_SYMPTOM = /ip6?tables[^\n]{0,300}(?:no chain\/target\/match by that name|chain [`'"]?[\w-]+[`'"]? does not exist|can't initialize ip6?tables table)/i;

interface Side {
  backend: IptablesBackend;
  records: IptablesRecord[];
  file: string;
  owners: Map<string, OwnerCensus>;
  rules: number;
  userChains: number;
}

export default defineRule({
  id: 'iptables-backend-mismatch',
  title: 'iptables rules are split between the legacy and nf_tables backends',
  severity: 'warning',
  cni: true,
  needs: ['net/iptables-save.txt', 'net/iptables-legacy-save.txt', 'net/nft-ruleset.txt'],
  description:
    'Compares iptables-nft-save and iptables-legacy-save of each node: when both backends hold rules, tells from the chain names which component writes which backend (KUBE-* kube-proxy and kubelet, CNI-* the runtime\'s CNI plugins, FLANNEL-*, cali-*, CILIUM_*, AWS-*). Components split across backends cannot see or order each other\'s rules, which breaks Service and pod traffic on that node. The "iptables-legacy tables present" warning iptables-nft-save prints on stderr is the first sign.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const name = node.name;
      const defaultArtifact = ctx.artifact(name, DEFAULT_DUMP);
      const defaultProgram = defaultArtifact?.source.kind === 'command' ? defaultArtifact.source.argv[0] ?? '' : '';
      const defaultBackend: IptablesBackend | undefined =
        summaryOf(node.iptables)?.backend ?? (/-nft-/.test(defaultProgram) ? 'nf_tables' : /-legacy-/.test(defaultProgram) ? 'legacy' : undefined);
      const legacyBackend: IptablesBackend = summaryOf(node.iptablesLegacy)?.backend ?? 'legacy';
      const side = (records: IptablesRecord[], backend: IptablesBackend, path: string): Side => ({
        backend,
        records,
        file: records[0]?.file ?? `nodes/${name}/${path}`,
        owners: chainOwners(records),
        ...(({ rules, userChains }) => ({ rules, userChains }))(contentOf(records)),
      });
      // When the default dump fell back to a legacy iptables-save, both files show one backend.
      const nft = defaultBackend === 'nf_tables' ? side(node.iptables, 'nf_tables', DEFAULT_DUMP) : undefined;
      const legacy = legacyBackend === 'legacy' && node.iptablesLegacy.length > 0 ? side(node.iptablesLegacy, 'legacy', LEGACY_DUMP) : defaultBackend === 'legacy' ? side(node.iptables, 'legacy', DEFAULT_DUMP) : undefined;
      const warnings = [...node.iptables, ...node.iptablesLegacy].filter(
        (r): r is IptablesWarningRecord => r.kind === 'iptables-warning' && (r.warning === 'legacy-tables-present' || r.warning === 'nft-tables-present'),
      );
      const hasContent = (s: Side | undefined) => s !== undefined && s.rules + s.userChains > 0;
      const agentLines = logHits(ctx, name, AGENT_BACKEND, { severities: ['error', 'warning', 'info'], limit: 3 });

      if (hasContent(nft) && hasContent(legacy)) {
        const n = nft!;
        const l = legacy!;
        const onlyNft = [...n.owners.values()].filter((o) => !l.owners.has(o.owner.id));
        const onlyLegacy = [...l.owners.values()].filter((o) => !n.owners.has(o.owner.id));
        const inBoth = [...n.owners.values()].filter((o) => l.owners.has(o.owner.id));
        const split = onlyNft.length > 0 && onlyLegacy.length > 0;
        const symptoms = ctx.symptomsMatching(SPLIT_SYMPTOM, name);
        const labels = (list: OwnerCensus[]) => joinLabels(list.map((o) => o.owner.label));
        const sample = (o: OwnerCensus | undefined, s: Side) => (o?.chains[0] ? ctx.cite(o.chains[0], `${s.backend}: ${o.chains.slice(0, 4).map((c) => `:${c.chain}`).join(' ')}${o.chains.length > 4 ? ' …' : ''}`) : undefined);
        const citations: Citation[] = [
          ...representative(symptoms).map((s) => s.citation),
          ...warnings.slice(0, 1).map((w) => ctx.cite(w, w.text)),
          ...[...l.owners.values()].slice(0, 2).map((o) => sample(o, l)),
          ...[...n.owners.values()].slice(0, 2).map((o) => sample(o, n)),
          ...agentLines.slice(0, 1).map((h) => ctx.cite(h.record)),
        ].filter((c): c is Citation => c !== undefined);
        if (l.owners.size === 0) citations.push(ctx.cite({ file: l.file, line: 0 }, `legacy backend: ${l.rules} rules in ${l.userChains} chains`));
        if (n.owners.size === 0) citations.push(ctx.cite({ file: n.file, line: 0 }, `nf_tables backend: ${n.rules} rules in ${n.userChains} chains`));

        const severity: Severity = split || symptoms.length > 0 ? 'critical' : 'warning';
        const confidence: Confidence = split || symptoms.length > 0 ? 'high' : 'medium';
        const parts: string[] = [];
        if (onlyLegacy.length > 0) parts.push(`only the legacy backend holds the chains of ${labels(onlyLegacy)}`);
        if (onlyNft.length > 0) parts.push(`only nf_tables holds those of ${labels(onlyNft)}`);
        if (inBoth.length > 0) parts.push(`${labels(inBoth)} ha${inBoth.length > 1 ? 've' : 's'} chains in both (one copy is left over from before a switch, or two instances disagree)`);
        const hint = [...n.owners.values(), ...l.owners.values()].find((o) => o.chains.some((c) => c.chain === 'KUBE-IPTABLES-HINT'));
        const hintBackend = hint ? (n.owners.get(hint.owner.id)?.chains.some((c) => c.chain === 'KUBE-IPTABLES-HINT') ? 'nf_tables' : 'legacy') : undefined;
        const agentBackend = agentLines[0] ? (/legacy/i.test(AGENT_BACKEND.exec(agentLines[0].text)?.[0] ?? '') ? 'legacy' : 'nf_tables') : undefined;
        // The runtime runs CNI plugins with the host's own iptables binary, so their CNI-* chains
        // show the host default as well as the kubelet's hint does.
        const cniOnly = (a: Side, b: Side) => a.owners.has('cni-plugins') && !b.owners.has('cni-plugins');
        const hostBackend: IptablesBackend | undefined = hintBackend ?? (cniOnly(n, l) ? 'nf_tables' : cniOnly(l, n) ? 'legacy' : undefined);
        const keep: IptablesBackend = hostBackend ?? (n.rules >= l.rules ? 'nf_tables' : 'legacy');
        ctx.report({
          key: name,
          severity,
          confidence,
          message: (
            `On ${name}, both iptables backends hold rules: legacy ${count(l.rules, 'rule')} in ${count(l.userChains, 'chain')}, nf_tables ${count(n.rules, 'rule')} in ${count(n.userChains, 'chain')}. ` +
            `By chain name, ${parts.join('; ')}. ` +
            (split
              ? 'The kernel evaluates both rule sets, but each component only sees and orders its own backend: Service NAT, masquerading and forwarding accepts of one side do not apply in the order the other side assumes, so pod-to-Service and cross-node pod traffic on this node breaks in ways that look like an API or DNS outage. '
              : 'Stale rules in the other backend still run on every packet. ') +
            (hintBackend
              ? `The kubelet's KUBE-IPTABLES-HINT chain is in ${hintBackend}, the backend components that auto-detect should follow. `
              : hostBackend
                ? `The CNI plugins the runtime runs use the host's iptables, so the host default is ${hostBackend}; the components in the other backend carry their own iptables binary. `
                : '') +
            (agentBackend ? `The CNI agent logged that it uses ${agentBackend}. ` : '') +
            (symptoms.length > 0 ? `${count(symptoms.length, 'sandbox error')} name${symptoms.length > 1 ? '' : 's'} a chain that exists only in the other backend.` : '')
          ).trim(),
          scope: { nodes: [name], pods: [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))] },
          citations,
          remediation: remediation(name, keep === 'nf_tables' ? 'legacy' : 'nf_tables'),
          confirmWith: [],
          explains: symptoms,
          whyHere: `${name} has rules in both backends (legacy ${l.rules}, nf_tables ${n.rules}); on a consistent node one of them is empty.`,
        });
        continue;
      }

      if (warnings.length === 0) continue;
      const warning = warnings[0]!;
      const otherMissing = ctx.missing(name, [LEGACY_DUMP]);
      if (legacy && !hasContent(legacy)) {
        // The warning only means the legacy tables exist (ip_tables loaded, a `iptables-legacy -L`):
        // with no chain and no rule in them, nothing is split.
        ctx.report({
          key: name,
          severity: 'info',
          confidence: 'low',
          message: `On ${name}, iptables-nft-save warns that legacy tables are present, but iptables-legacy-save shows only empty built-in chains: nothing is split today. Something loaded the legacy ip_tables module; a component that later picks the legacy backend would split the rules.`,
          scope: { nodes: [name] },
          citations: [ctx.cite(warning, warning.text), ctx.cite({ file: legacy.file, line: 0 }, `legacy backend: ${legacy.rules} rules, ${legacy.userChains} user chains`)],
          remediation: [{ text: `Find what loads the legacy backend on ${name} (a host firewall script, an old agent image) before it writes rules.`, command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'lsmod | grep -E "^(ip_tables|iptable_)"; iptables-legacy-save | head -20'` }],
          confirmWith: [],
        });
        continue;
      }
      ctx.report({
        key: name,
        confidence: 'low',
        message: `On ${name}, iptables-nft-save warns that legacy tables are present too, but the bundle does not show what the legacy backend holds, so it cannot tell which components write which backend.`,
        scope: { nodes: [name] },
        citations: [ctx.cite(warning, warning.text)],
        remediation: remediation(name, 'legacy'),
        confirmWith: [...otherMissing, `iptables-legacy-save on ${name}`],
        whyHere: `${name}'s iptables-nft-save reports legacy tables.`,
      });
    }
  },
});

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function remediation(node: string, stale: IptablesBackend) {
  const cmd = stale === 'legacy' ? 'iptables-legacy' : 'iptables-nft';
  return [
    {
      text: `Count the rules per backend and per owner on ${node} (KUBE-* kube-proxy/kubelet, CNI-* CNI plugins, FLANNEL-*, cali-*, CILIUM_*), and see which iptables the host points at.`,
      command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'for b in legacy nft; do echo "== $b"; iptables-$b-save 2>/dev/null | grep -oE "^:[A-Za-z]+[-_]?" | sort | uniq -c; done; readlink -f $(command -v iptables)'`,
    },
    {
      text: 'Make every component use one backend: the kubelet and kube-proxy follow the host (KUBE-IPTABLES-HINT); set the CNI agent explicitly (Calico FELIX_IPTABLESBACKEND=NFT or Legacy, Cilium and flannel images auto-detect from existing rules) instead of auto.',
    },
    {
      text: `Then empty the backend nobody should use (${stale}) and restart kube-proxy and the CNI agent on ${node} so they rewrite their rules in the right one; rebooting the node after the switch is the clean way.`,
      command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'for t in nat filter mangle raw; do ${cmd} -t $t -F; ${cmd} -t $t -X; done'`,
    },
  ];
}
