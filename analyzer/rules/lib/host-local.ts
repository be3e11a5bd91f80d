/**
 * Is a host-local reservation still held by a live sandbox? A reservation file names the
 * container (sandbox) id that holds the IP; the node shows whether that sandbox still exists:
 * crictl pods, its network namespace in /run/netns (through the result cache that records it),
 * a running pod with that IP, and the boot time (nothing reserved before a reboot survives it).
 */
import type { Evidence, NodeEvidence } from '../../evidence/types.js';
import type { Citation } from '../../model.js';
import type { CniCacheRecord, HostLocalReservation, LsEntryRecord } from '../../parsers/index.js';
import { citeText } from '../define.js';
import { bootTime, type BootTime } from './node-time.js';

export type Liveness = 'alive' | 'dead' | 'unknown';

export interface ReservationLife {
  reservation: HostLocalReservation;
  status: Liveness;
  /** Why, in a few words: "its netns cni-… is gone". */
  why: string;
  citation?: Citation;
  /** `<ns>/<name>` from the result cache or the API pod. */
  pod?: string;
  cache?: CniCacheRecord;
  entry?: LsEntryRecord;
}

export interface ReservationReport {
  items: ReservationLife[];
  boot?: BootTime;
  /** The evidence that decided: netns, crictl, boot, api. */
  bases: string[];
}

interface CriSandbox {
  id: string;
  state: string;
  line: number;
}

function criSandboxes(node: NodeEvidence): { file: string; sandboxes: CriSandbox[] } | undefined {
  const raw = node.texts.get('cri/pods.json');
  if (!raw || raw.text.trim() === '') return undefined;
  try {
    const json = JSON.parse(raw.text) as { items?: { id?: unknown; state?: unknown }[] };
    if (!Array.isArray(json.items)) return undefined;
    const lines = raw.text.split('\n');
    return {
      file: raw.file,
      sandboxes: json.items
        .filter((i) => typeof i.id === 'string')
        .map((i) => ({ id: i.id as string, state: String(i.state ?? ''), line: lines.findIndex((l) => l.includes(i.id as string)) + 1 })),
    };
  } catch {
    return undefined;
  }
}

/** containerd can keep pod netns under its state dir, where /run/netns does not show them. */
function netnsOutsideRunNetns(node: NodeEvidence): boolean {
  return /netns_mounts_under_state_dir\s*=\s*true/.test(node.texts.get('runtime/containerd-config-dump.toml')?.text ?? '');
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && (a === b || (a.length >= 12 && b.length >= 12 && (a.startsWith(b) || b.startsWith(a))));
}

export function classifyReservations(evidence: Evidence, node: NodeEvidence): ReservationReport {
  const reservations = node.hostLocal.filter((r): r is HostLocalReservation => r.kind === 'host-local-reservation');
  const boot = bootTime(evidence, node);
  const cri = criSandboxes(node);
  const netnsArtifact = evidence.artifacts.get(`nodes/${node.name}/net/netns.ls`);
  const netnsEntries =
    node.netnsListing && netnsArtifact?.status === 'ok' && !netnsOutsideRunNetns(node)
      ? node.netnsListing.filter((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name !== '.' && r.name !== '..')
      : undefined;
  const netnsDot = node.netnsListing?.find((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name === '.');
  const listing = (node.networksListing ?? []).filter((r): r is LsEntryRecord => r.kind === 'ls-entry');
  const apiPods = evidence.cluster.pods.filter((p) => p.nodeName === node.name && !p.hostNetwork && p.phase === 'Running');
  const bases = new Set<string>();

  const items = reservations.map((reservation): ReservationLife => {
    const id = reservation.containerId;
    const entry = listing.find((e) => e.name === `${reservation.network}/${reservation.ip}`);
    const cache = node.cniCache.find((c) => c.state === 'ok' && sameId(c.containerId, id) && (c.networkName === reservation.network || c.ifName !== 'lo'));
    const pod = cache?.podName ? `${cache.podNamespace ?? 'default'}/${cache.podName}` : undefined;
    const base = { reservation, ...(entry ? { entry } : {}), ...(cache ? { cache } : {}), ...(pod ? { pod } : {}) };
    const holder = apiPods.find((p) => p.podIP === reservation.ip || p.podIPs.includes(reservation.ip));
    if (holder) {
      bases.add('api');
      return { ...base, status: 'alive', why: `held by running pod ${holder.namespace}/${holder.name}`, pod: `${holder.namespace}/${holder.name}`, citation: citeText(holder.file, holder.line, `${holder.namespace}/${holder.name} Running with podIP ${reservation.ip}`) };
    }
    if (!id) return { ...base, status: 'unknown', why: 'the file names no container' };
    if (cri) {
      bases.add('crictl');
      const sb = cri.sandboxes.find((s) => sameId(s.id, id));
      if (sb?.state === 'SANDBOX_READY') return { ...base, status: 'alive', why: `sandbox ${id.slice(0, 12)} is ready`, citation: citeText(cri.file, sb.line, `${sb.id} ${sb.state}`) };
      return {
        ...base,
        status: 'dead',
        why: sb ? `its sandbox ${id.slice(0, 12)} is stopped (${sb.state}) but its IP was never released` : `no sandbox ${id.slice(0, 12)} exists (crictl pods)`,
        citation: citeText(cri.file, sb?.line ?? 0, sb ? `${sb.id} ${sb.state}` : `crictl pods lists no sandbox ${id.slice(0, 12)}`),
      };
    }
    if (boot && entry?.mtime && Date.parse(entry.mtime) < boot.ms - 60_000) {
      bases.add('boot');
      return { ...base, status: 'dead', why: `reserved ${entry.mtime.replace(/\.\d+Z$/, 'Z')}, before the node booted at ${boot.at.replace(/\.\d+Z$/, 'Z')}`, citation: citeText(entry.file, entry.line, `${entry.mtimeText} ${entry.name}`) };
    }
    if (netnsEntries) {
      const netnsPath = cache?.result?.interfaces.find((i) => i.sandbox)?.sandbox;
      const nsName = netnsPath && /^\/(var\/)?run\/netns\//.test(netnsPath) ? netnsPath.slice(netnsPath.lastIndexOf('/') + 1) : undefined;
      if (nsName) {
        bases.add('netns');
        const present = netnsEntries.find((e) => e.name === nsName);
        if (present) return { ...base, status: 'alive', why: `its netns ${nsName} exists`, citation: citeText(present.file, present.line, present.name) };
        return { ...base, status: 'dead', why: `its network namespace ${nsName} is gone`, citation: citeText(cache!.file, 0, `${cache!.fileName}: sandbox ${netnsPath}`) };
      }
      if (netnsEntries.length === 0 && !cache) {
        bases.add('netns');
        return { ...base, status: 'dead', why: 'no pod network namespace exists on the node at all', ...(netnsDot ? { citation: citeText(netnsDot.file, netnsDot.line, '/run/netns holds no namespace') } : {}) };
      }
    }
    return { ...base, status: 'unknown', why: 'nothing in the bundle shows whether its sandbox still exists' };
  });
  const out: ReservationReport = { items, bases: [...bases] };
  if (boot) out.boot = boot;
  return out;
}

/** Per host-local network: the reservations and how many of them are dead. */
export function deadShareByNetwork(report: ReservationReport): Map<string, { total: number; dead: ReservationLife[] }> {
  const out = new Map<string, { total: number; dead: ReservationLife[] }>();
  for (const item of report.items) {
    const n = out.get(item.reservation.network) ?? { total: 0, dead: [] };
    n.total += 1;
    if (item.status === 'dead') n.dead.push(item);
    out.set(item.reservation.network, n);
  }
  return out;
}
