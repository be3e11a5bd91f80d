/**
 * An empty or unparsable libcni result cache file, /var/lib/cni/results/<network>-<sandbox>-<if>,
 * makes every DEL of that sandbox fail before any plugin runs: `failed to get network "cbr0"
 * cached result: decoding version from network config: unexpected end of JSON input`. The pod
 * stays Terminating (FailedKillPod) and its IP stays reserved. The file is written during ADD, so a
 * crash, reboot or full disk at that moment leaves it empty. Not to be confused with the same
 * "unexpected end of JSON input" on ADD from an agent that died (aws-node, cilium): that one names
 * no cached result.
 */
import type { Symptom } from '../correlate/symptoms.js';
import type { NodeEvidence } from '../evidence/types.js';
import type { Citation, RemediationStep } from '../model.js';
import type { CniCacheRecord, LsEntryRecord } from '../parsers/index.js';
import { citeText, defineRule, type RuleContext } from './define.js';
import { onNode } from './lib/cni-netd.js';
import { bootTime, formatDuration } from './lib/node-time.js';

const CACHE_ERROR = /failed to get network \\*"([^"\\]+)\\*" cached (?:result|config)|decoding version from network config|failed to (?:read|load|get) cached (?:result|network config)/i;

interface Bad {
  fileName: string;
  /** The record when the bundle holds the file. */
  record?: CniCacheRecord;
  entry?: LsEntryRecord;
  state: CniCacheRecord['state'] | 'empty-by-listing';
  containerId?: string;
  networkName?: string;
}

function splitName(name: string): { networkName?: string; containerId?: string } {
  const m = /^(.+)-([0-9a-f]{64})-[^-]+$/.exec(name);
  return m ? { networkName: m[1]!, containerId: m[2]! } : {};
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.length >= 12 && b.length >= 12 && (a.startsWith(b) || b.startsWith(a));
}

export default defineRule({
  id: 'cni-cache-corrupt',
  title: "An empty or corrupt libcni result cache file blocks the sandbox's teardown",
  severity: 'critical',
  cni: true,
  needs: ['cni/results.ls', 'cni/results/*', 'journal/*.log'],
  description:
    'Ties "failed to get network … cached result: decoding version from network config: unexpected end of JSON input" on StopPodSandbox/KillPodSandbox to the empty or invalid /var/lib/cni/results/<network>-<sandbox>-<ifname> file of that very sandbox (content, or size 0 in the listing). Such a file stops every DEL of the sandbox, so the pod stays Terminating; removing the file lets the next DEL succeed.',
  check(ctx) {
    for (const node of ctx.nodes) {
      const symptoms = ctx.symptomsMatching(CACHE_ERROR, node.name);
      const bad = badFiles(node);
      if (symptoms.length === 0 && bad.length === 0) continue;

      const collected = ctx.missing(node.name, ['cni/results.ls']).length === 0;
      const tied = new Map<Bad, Symptom[]>();
      const untiedSymptoms: Symptom[] = [];
      for (const s of symptoms) {
        const network = CACHE_ERROR.exec(s.message)?.[1];
        const file = bad.find((b) => sameId(b.containerId, s.sandboxId) && (!network || !b.networkName || b.networkName === network));
        if (file) tied.set(file, [...(tied.get(file) ?? []), s]);
        else untiedSymptoms.push(s);
      }
      const boot = bootTime(ctx.evidence, node);

      // Failures whose file the bundle cannot show (results not collected, or the sandbox id is unknown).
      if (untiedSymptoms.length > 0 && tied.size === 0) {
        const s = untiedSymptoms.find((x) => x.pod) ?? untiedSymptoms[0]!;
        const network = CACHE_ERROR.exec(s.message)?.[1] ?? 'cbr0';
        const okFile = node.cniCache.find((c) => sameId(c.containerId, s.sandboxId) && c.state === 'ok');
        const path = s.sandboxId ? `/var/lib/cni/results/${network}-${s.sandboxId}-eth0` : `/var/lib/cni/results/${network}-<sandbox id>-eth0`;
        ctx.report({
          key: node.name,
          confidence: okFile ? 'low' : 'medium',
          message: `On ${node.name}, the runtime cannot tear down ${s.pod ?? 'a sandbox'}${s.sandboxId ? ` (sandbox ${s.sandboxId.slice(0, 12)})` : ''}: libcni fails to decode its cached result for network "${network}" before any plugin runs, so the pod stays Terminating. ${okFile ? `The cache file of that sandbox looks valid in the bundle, so it was fixed or rewritten since.` : collected ? 'The bundle lists no cache file for that sandbox to show.' : 'The bundle holds no listing of /var/lib/cni/results to show the file.'}`,
          scope: { nodes: [node.name], pods: podsOf(untiedSymptoms) },
          citations: [...untiedSymptoms.filter((x) => x.stage !== 'event'), ...untiedSymptoms.filter((x) => x.stage === 'event')].slice(0, 3).map((x) => x.citation),
          remediation: remediation(node.name, [{ path, containerId: s.sandboxId }]),
          confirmWith: [...ctx.missing(node.name, ['cni/results.ls', 'cni/results/*']), `ls -la /var/lib/cni/results/ | grep ${s.sandboxId?.slice(0, 12) ?? network} on ${node.name}`],
          explains: untiedSymptoms,
          whyHere: `${node.name} holds a broken cache entry for that sandbox.`,
        });
        continue;
      }

      const files = [...tied.keys(), ...bad.filter((b) => !tied.has(b))];
      if (files.length === 0) continue;
      const explains = [...tied.values()].flat();
      const pods = [...new Set([...podsOf(explains), ...files.map((f) => podFor(ctx, node, f)).filter((p): p is string => !!p)])];
      const first = files[0]!;
      const firstPod = podFor(ctx, node, first);
      const citations: Citation[] = [];
      const firstSymptoms = tied.get(first) ?? [];
      const withPod = firstSymptoms.find((s) => s.pod && s.stage !== 'event') ?? firstSymptoms[0];
      if (withPod) citations.push(withPod.citation);
      const event = firstSymptoms.find((s) => s.stage === 'event');
      if (event && event !== withPod) citations.push(event.citation);
      for (const f of files.slice(0, 3)) citations.push(fileCitation(f));
      if (first.record && first.entry) citations.push(citeText(first.record.file, first.record.error?.line ?? 0, first.state === 'invalid' ? `invalid JSON at line ${first.record.error?.line ?? '?'}: ${first.record.error?.message ?? ''}` : `${first.fileName}: ${first.state === 'empty' ? '0 bytes' : first.state}`));
      if (boot && first.entry?.mtime && Math.abs(Date.parse(first.entry.mtime) - boot.ms) < 15 * 60_000) citations.push(boot.citation);

      const written = first.entry?.mtime ? ` (written ${first.entry.mtime.replace(/\.\d+Z$/, 'Z')}${boot && Date.parse(first.entry.mtime) < boot.ms ? ', before the last boot' : boot && Math.abs(Date.parse(first.entry.mtime) - boot.ms) < 15 * 60_000 ? `, ${formatDuration(Math.abs(Date.parse(first.entry.mtime) - boot.ms) / 1000)} from the last boot` : ''})` : '';
      const disk = node.df.find((d) => d.usePercent !== undefined && d.usePercent >= 95 && /^\/(var(\/lib)?)?$/.test(d.mountedOn));
      const cause = disk ? ' The disk is nearly full, which is how ADD leaves such files behind.' : written.includes('boot') ? ' It was written around a reboot or crash, while an ADD was in progress.' : '';
      const stateText = (b: Bad) => (b.state === 'empty' || b.state === 'empty-by-listing' ? 'is empty (0 bytes)' : b.state === 'whitespace' ? 'holds only whitespace' : b.state === 'binary' ? 'holds binary data' : `is not valid JSON${b.record?.error ? ` (line ${b.record.error.line}: ${b.record.error.message})` : ''}`);
      ctx.report({
        key: node.name,
        severity: explains.length > 0 ? 'critical' : 'warning',
        confidence: explains.length > 0 ? 'high' : 'medium',
        message:
          `On ${node.name}, /var/lib/cni/results/${first.fileName} ${stateText(first)}${written}. ` +
          (explains.length > 0
            ? `It is the cache of sandbox ${first.containerId?.slice(0, 12) ?? '?'}${firstPod ? ` (${firstPod})` : ''}: every StopPodSandbox fails with 'failed to get network "${first.networkName ?? '?'}" cached result: decoding version from network config: unexpected end of JSON input' before any plugin runs, so the pod stays Terminating and its IP stays reserved.`
            : `The next teardown of sandbox ${first.containerId?.slice(0, 12) ?? '?'}${firstPod ? ` (${firstPod})` : ''} will fail to decode it, and the pod will stay Terminating.`) +
          cause +
          (files.length > 1 ? ` ${files.length - 1} more cache file${files.length > 2 ? 's are' : ' is'} broken on the node.` : ''),
        scope: { nodes: [node.name], pods },
        citations,
        remediation: remediation(node.name, files.map((f) => ({ path: `/var/lib/cni/results/${f.fileName}`, containerId: f.containerId }))),
        confirmWith: [],
        explains,
        whyHere: `${node.name} holds ${files.length === 1 ? 'a broken result cache file' : `${files.length} broken result cache files`} (${files.map((f) => f.fileName).slice(0, 2).join(', ')}${files.length > 2 ? ', …' : ''}).`,
      });
    }
  },
});

function badFiles(node: NodeEvidence): Bad[] {
  const out: Bad[] = [];
  const listing = (node.resultsListing ?? []).filter((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name !== '.' && r.fileType === 'file');
  for (const rec of node.cniCache) {
    if (rec.state === 'ok') continue;
    const entry = listing.find((e) => e.name === rec.fileName);
    const b: Bad = { fileName: rec.fileName, record: rec, state: rec.state };
    if (entry) b.entry = entry;
    const id = rec.containerId ?? splitName(rec.fileName).containerId;
    if (id) b.containerId = id;
    const net = rec.networkName ?? splitName(rec.fileName).networkName;
    if (net) b.networkName = net;
    out.push(b);
  }
  // Empty in the listing, but the file itself was not collected.
  for (const e of listing) {
    if (e.size !== 0 || out.some((b) => b.fileName === e.name) || node.cniCache.some((c) => c.fileName === e.name)) continue;
    out.push({ fileName: e.name, entry: e, state: 'empty-by-listing', ...splitName(e.name) });
  }
  return out.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
}

function fileCitation(b: Bad): Citation {
  if (b.entry) return citeText(b.entry.file, b.entry.line, `${b.entry.mode} ${b.entry.sizeText} ${b.entry.mtimeText} ${b.entry.name}`);
  const rec = b.record!;
  return citeText(rec.file, rec.error?.line ?? 0, rec.state === 'invalid' ? `invalid JSON at line ${rec.error?.line ?? '?'}: ${rec.error?.message ?? ''}` : `${rec.fileName}: ${rec.state}`);
}

/** The pod of a sandbox: from a symptom naming both, or a kubelet line ("Created PodSandbox for pod"). */
function podFor(ctx: RuleContext, node: NodeEvidence, b: Bad): string | undefined {
  if (b.record?.podName) return `${b.record.podNamespace ?? 'default'}/${b.record.podName}`;
  const s = ctx.symptoms.find((x) => x.pod && sameId(x.sandboxId, b.containerId));
  if (s?.pod) return s.pod;
  for (const log of node.journals.values()) {
    for (const r of log.records) {
      if (r.kind === 'journal-entry' && r.pod && r.sandboxIds.some((id) => sameId(id, b.containerId))) return `${r.pod.namespace ?? 'default'}/${r.pod.name}`;
    }
  }
  return undefined;
}

function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))];
}

function remediation(node: string, files: { path: string; containerId?: string | undefined }[]): RemediationStep[] {
  const ids = files.map((f) => f.containerId).filter((id): id is string => !!id);
  const steps: RemediationStep[] = [
    {
      text: `Remove the broken cache file${files.length > 1 ? 's' : ''}: with no cache, libcni runs the DEL from the current config, so the teardown can finish.`,
      command: onNode(node, `rm -f ${files.map((f) => f.path).join(' ')}`),
    },
  ];
  if (ids.length > 0) {
    steps.push({ text: `Let the runtime finish the teardown and remove the sandbox${ids.length > 1 ? 'es' : ''} (the kubelet also retries by itself).`, command: onNode(node, ids.map((id) => `crictl stopp ${id} && crictl rmp ${id}`).join('; ')) });
  }
  steps.push({ text: 'Look for other empty cache files on the node; newer libcni versions skip an empty cache file instead of failing, so upgrading the runtime stops this for good.', command: onNode(node, 'find /var/lib/cni/results -type f -size 0 -ls') });
  return steps;
}
