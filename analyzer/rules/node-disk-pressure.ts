/**
 * The node's disk is full. It is not a CNI fault, but sandbox setup writes to disk before and after
 * the plugin runs (the libcni result cache under /var/lib/cni/results, host-local reservations, the
 * pause image unpacked under /var/lib/containerd), so a full /var fails the ADD with `no space left
 * on device` (coreweave-253), and writes cut short at full disk leave 0-byte cache files that make
 * every later DEL fail with `unexpected end of JSON input` (containerd-8197).
 */
import { defineRule } from './define.js';
import type { Citation, Confidence } from '../model.js';
import type { CniCacheRecord, DfRecord } from '../parsers/index.js';
import { attemptCount, citationKeys, logHits, podsOf, representative } from './lib/node-logs.js';

const NOSPC = /no space left on device|disk quota exceeded|\bENOSPC\b|not enough (?:free )?(?:disk )?space|insufficient (?:disk|storage) space/i;
/** The kubelet's own disk-pressure complaints (image GC and eviction), which only warn. */
const KUBELET_DISK = /failed to garbage collect required amount of images|image garbage collection failed|eviction manager:.*(?:ephemeral-storage|nodefs|imagefs)|(?:nodefs|imagefs)\.(?:available|inodesFree)|disk ?pressure/i;
/** DEL failures on a cache file that a full disk left empty. */
const EMPTY_CACHE_SYMPTOM = /cached result[^\n]*(?:unexpected end of JSON input|EOF)|unexpected end of JSON input[^\n]*cached/i;
const FULL_PERCENT = 95;

function isFull(row: DfRecord): boolean {
  return (row.usePercent !== undefined && row.usePercent >= FULL_PERCENT) || (row.available === 0 && (row.total ?? 0) > 0);
}

export default defineRule({
  id: 'node-disk-pressure',
  title: "The node's disk is full, so sandbox state cannot be written",
  severity: 'critical',
  cni: false,
  needs: ['system/df.txt', 'cluster/nodes.json', 'cni/results/*', 'journal/*.log'],
  description:
    'Finds full filesystems under /, /var, /var/lib, /var/lib/cni or /run (df use ≥ 95%, blocks or inodes), the node condition DiskPressure=True and its taint, and "no space left on device" in sandbox errors and node logs (writing /var/lib/cni/results or unpacking the pause image). It breaks CNI without being a CNI bug: the plugin never gets to run, or its cache write fails. Empty CNI cache files on a full node are reported as its aftermath.',
  check(ctx) {
    const names = new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)]);
    for (const name of [...names].sort()) {
      const node = ctx.evidence.nodes.get(name);
      const apiNode = ctx.evidence.cluster.nodes.find((n) => n.name === name);
      const pressure = apiNode?.conditions.find((c) => c.type === 'DiskPressure' && c.status === 'True');
      const taint = apiNode?.taints.find((t) => t.key === 'node.kubernetes.io/disk-pressure');
      const rows = node?.df ?? [];
      const full: DfRecord[] = [];
      for (const row of rows.filter(isFull)) {
        // df lists one filesystem once per path asked for (/, /var, /var/lib): count it once.
        if (!full.some((f) => f.filesystem === row.filesystem && f.mode === row.mode)) full.push(row);
      }
      const symptoms = ctx.symptomsMatching(NOSPC, name);
      const logs = logHits(ctx, name, NOSPC, { exclude: citationKeys(symptoms), limit: 5 });
      const kubeletDisk = logHits(ctx, name, KUBELET_DISK, { exclude: citationKeys(symptoms), limit: 2 });
      const nospc = symptoms.length > 0 || logs.length > 0;
      if (full.length === 0 && !pressure && !nospc) continue;

      const emptyCaches = (node?.cniCache ?? []).filter((c: CniCacheRecord) => c.state === 'empty' || c.state === 'whitespace');
      const cacheSymptoms = emptyCaches.length > 0 ? ctx.symptomsMatching(EMPTY_CACHE_SYMPTOM, name) : [];
      const explains = [...symptoms, ...cacheSymptoms.filter((s) => !symptoms.includes(s))];
      const pods = podsOf(explains);

      const mounts = (fs: DfRecord) => [...new Set(rows.filter((r) => r.filesystem === fs.filesystem && r.mode === fs.mode).map((r) => r.mountedOn))].join(', ');
      const describeRow = (r: DfRecord) => `${r.filesystem} (${mounts(r)}) is ${r.usePercent ?? 100}% ${r.mode === 'inodes' ? 'of its inodes ' : ''}used, ${r.availableText} available`;
      const citations: Citation[] = [
        ...representative(symptoms).map((s) => s.citation),
        ...full.slice(0, 2).map((r) => ctx.cite(r, `${r.filesystem} ${r.totalText} ${r.usedText} ${r.availableText} ${r.usePercent ?? '?'}% ${r.mountedOn}`)),
        ...(pressure && apiNode ? [ctx.cite(apiNode, `${name} DiskPressure=True (${pressure.reason ?? ''}: ${pressure.message ?? ''})${taint ? `; taint ${taint.key}:${taint.effect}` : ''}`)] : []),
        ...logs.slice(0, 2).map((l) => ctx.cite(l.record)),
        ...kubeletDisk.slice(0, 1).map((l) => ctx.cite(l.record)),
        ...emptyCaches.slice(0, 3).map((c) => ctx.cite(c, `${c.fileName}: 0 bytes`)),
        ...cacheSymptoms.slice(0, 1).map((s) => s.citation),
      ];

      const stateFull = full.length > 0 || pressure !== undefined;
      const confidence: Confidence = (nospc && stateFull) || (full.length > 0 && pressure) ? 'high' : 'medium';
      const notFullNow = nospc && rows.length > 0 && full.length === 0;
      const missing = rows.length === 0 ? ctx.missing(name, ['system/df.txt']) : [];
      const stateText = [
        ...full.map(describeRow),
        ...(pressure ? [`the kubelet reports DiskPressure=True${pressure.message ? ` ("${pressure.message}")` : ''}${taint ? ` and tainted the node ${taint.key}:${taint.effect}` : ''}`] : []),
      ];
      const effect =
        symptoms.length > 0
          ? `sandbox setup failed ${attemptCount(symptoms)} time${attemptCount(symptoms) > 1 ? 's' : ''} with "no space left on device"${pods.length > 0 ? ` (${pods.slice(0, 3).join(', ')}${pods.length > 3 ? ', …' : ''})` : ''}: the runtime writes the CNI result cache under /var/lib/cni/results and unpacks the pause image under /var/lib/containerd, so with no space the sandbox fails although the CNI plugin itself is fine`
          : cacheSymptoms.length > 0
            ? `the teardown of ${pods.slice(0, 3).join(', ') || 'a sandbox'} fails on a CNI result cache file the full disk left empty`
            : logs.length > 0
            ? `"no space left on device" appears in ${[...new Set(logs.map((l) => l.where))].join(', ')}`
            : 'new sandboxes will fail to write their CNI cache and reservation files, and the kubelet evicts pods and keeps new ones off the node';
      ctx.report({
        key: name,
        severity: symptoms.length > 0 || cacheSymptoms.length > 0 || full.length > 0 ? 'critical' : 'warning',
        confidence,
        message:
          `On ${name}, ${stateText.length > 0 ? `${stateText.join('; ')}. ` : ''}${effect[0]!.toUpperCase()}${effect.slice(1)}.` +
          (notFullNow ? ` df shows no full filesystem among ${[...new Set(rows.map((r) => r.mountedOn))].join(', ')} now: the full one is another (inodes, a tmpfs under /run, a separate /var/lib/cni), or space was freed after the failures.` : '') +
          (emptyCaches.length > 0
            ? ` ${emptyCaches.length} CNI result cache file${emptyCaches.length > 1 ? 's are' : ' is'} empty (${emptyCaches.slice(0, 2).map((c) => c.fileName).join(', ')}${emptyCaches.length > 2 ? ', …' : ''}), the mark of a write cut short at full disk; each makes its sandbox's teardown fail with "unexpected end of JSON input" until it is removed.`
            : ''),
        scope: { nodes: [name], pods },
        citations,
        remediation: [
          {
            text: `See which filesystem is full on ${name} (blocks and inodes) and what fills it.`,
            command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'df -h / /var /var/lib /var/lib/cni /run; df -i / /var/lib; du -xsh /var/lib/* /var/log 2>/dev/null | sort -h | tail -5'`,
          },
          {
            text: `Free space on ${name}: unused images and old journal files are the usual bulk.`,
            command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'crictl rmi --prune; journalctl --vacuum-size=500M'`,
          },
          ...(emptyCaches.length > 0
            ? [{ text: `After space is free, remove the empty cache files so teardown of those sandboxes can proceed.`, command: `kubectl debug node/${name} -it --image=busybox:1.36 -- chroot /host sh -c 'find /var/lib/cni/results -type f -size 0 -print -delete'` }]
            : []),
          ...pods.slice(0, 3).map((p) => ({ text: `Let ${p} retry its sandbox once there is space.`, command: `kubectl delete pod -n ${p.split('/')[0]} ${p.split('/')[1]}` })),
          { text: `Keep it from coming back: a larger disk for /var/lib, or kubelet imageGCHighThresholdPercent and evictionHard nodefs.available set so the kubelet frees space before it runs out.` },
        ],
        confirmWith: missing.length > 0 ? [...missing, `df -h /var/lib/cni and df -i /var/lib on ${name}`] : notFullNow ? [`df -i /var/lib and df -h /run on ${name}`] : [],
        explains,
        whyHere: full.length > 0 ? `${name}'s ${full[0]!.mountedOn} is ${full[0]!.usePercent ?? 100}% full.` : pressure ? `${name} reports DiskPressure.` : `${name} logged "no space left on device".`,
      });
    }
  },
});
