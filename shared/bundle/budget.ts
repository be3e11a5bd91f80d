/**
 * `collect --max-bundle-size`: makes a written bundle fit a size budget for its .tgz (the
 * attachment limit of a ticket system) by cutting logs, and nothing else.
 *
 * The compressed size is only known after gzip, so this works on a finished bundle: unpack it
 * beside itself, estimate how well each log compresses (gzip of samples), cut the logs from their
 * head (the oldest lines go, the newest ones, nearest the collection, stay) in priority order,
 * re-pack, measure, and correct the estimate for another round when needed. Priority: logs of
 * healthy nodes (the contrast node, the agents running there) go before logs whose node is not
 * known, which go before the logs of nodes with failing pods; inside one group the biggest logs
 * are cut first, down to one common size. Config and state files (CNI configs, IPAM, routes,
 * iptables, cluster objects, the manifest) are small and decisive: they are never cut.
 *
 * Every cut is an ordinary truncation in the manifest (`truncated`, `truncatedFromBytes`, fresh
 * sha256) whose `error` says it was the bundle budget, so `inspect` and the analyzer's report list
 * it. When even the bundle without any log text is over the budget, it is written anyway, as
 * small as it gets, with `completion.state: "partial"` saying so.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { extractBundle } from './extract.js';
import type { ArtifactEntry, Manifest } from './manifest-schema.js';
import { MANIFEST_PATH, parseNodePath } from './paths.js';
import type { ReadOptions } from './reader.js';
import { manifestProblems } from './validate.js';
import { packStaged } from './writer.js';

export interface BundleBudget {
  /** The most bytes the .tgz may have. */
  maxBytes: number;
  /** How it was asked for, quoted in the manifest and in messages (default `--max-bundle-size <maxBytes>`). */
  label?: string;
  /** Re-packs at most (default 4, plus one for the minimum when none of them fits). */
  rounds?: number;
  readOptions?: ReadOptions;
}

/** Whose log it is: cut `healthy` first, then `unknown`, then `failing`. */
export type BudgetTier = 'healthy' | 'unknown' | 'failing';

export interface BudgetCut {
  path: string;
  /** The node the log is from (for agent logs: the node the pod runs on), when known. */
  node: string | null;
  tier: BudgetTier;
  /** Stored bytes before and after the cut. */
  fromBytes: number;
  keptBytes: number;
}

export interface BudgetOutcome {
  path: string;
  maxBytes: number;
  label: string;
  /** Size of the .tgz as first written, and as it is now. */
  beforeBytes: number;
  bytes: number;
  fits: boolean;
  cuts: BudgetCut[];
  /** Re-packs done (0 when the bundle already fitted). */
  rounds: number;
  /** The manifest as rewritten; null when the bundle was left as it was. */
  manifest: Manifest | null;
  /** Why the bundle is over the budget even at its smallest (also in the manifest's completion). */
  overReason?: string;
}

const LOG_PATHS: readonly RegExp[] = [
  /^nodes\/[^/]+\/journal\/[^/]+\.log$/,
  /^nodes\/[^/]+\/logs\/.+$/,
  /^nodes\/[^/]+\/system\/dmesg\.txt$/,
  /^nodes\/[^/]+\/distro\/[^/]+\/containerd\.log$/,
  /^cluster\/logs\/[^/]+\/[^/]+\/[^/]+\.log$/,
];

/** Logs (journal, /var/log, dmesg, container logs): the only artifacts the budget may cut. */
export function isBudgetCuttable(path: string): boolean {
  return LOG_PATHS.some((pattern) => pattern.test(path));
}

const TIER_ORDER: readonly BudgetTier[] = ['healthy', 'unknown', 'failing'];


interface Candidate {
  index: number;
  entry: ArtifactEntry;
  node: string | null;
  tier: BudgetTier;
  size: number;
  /** Estimated gzip bytes per stored byte. */
  ratio: number;
  /** Where the original content is kept once it has been cut once. */
  original: string | null;
  /** Bytes currently in the staged file. */
  current: number;
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

/** The nodes with failing pods, from the collector's scope record; null when the bundle does not say. */
function failingNodesOf(manifest: Manifest): Set<string> | null {
  const options = manifest.request.options as Record<string, unknown>;
  const scope = options.scope as Record<string, unknown> | undefined;
  const failing = stringArray(scope?.failingNodes);
  return failing ? new Set(failing) : null;
}

/** pod name -> node name per namespace, from the namespace pod lists in the bundle. */
async function podNodes(top: string, namespaces: Iterable<string>, listed: ReadonlySet<string>): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const lists = ['cluster/pods.json', ...[...namespaces].map((ns) => `cluster/${ns}/pods.json`)];
  for (const list of lists) {
    if (!listed.has(list)) continue;
    try {
      const parsed = JSON.parse(await readFile(join(top, list), 'utf8')) as { items?: Array<{ metadata?: { name?: string; namespace?: string }; spec?: { nodeName?: string } }> };
      for (const item of parsed.items ?? []) {
        const name = item.metadata?.name;
        const node = item.spec?.nodeName;
        if (typeof name === 'string' && typeof node === 'string' && node !== '') map.set(`${item.metadata?.namespace ?? ''}/${name}`, node);
      }
    } catch {
      // An unreadable or cut pod list only costs the priority: those logs count as `unknown`.
    }
  }
  return map;
}

const SAMPLE = 64 * 1024;
/** Deflate looks back 32 KiB: a sample compressed after the 32 KiB before it costs what it costs in the stream. */
const WARM_UP = 32 * 1024;

/** Estimated gzip bytes per byte: up to four 64 KiB windows spread over the file, at tar's level. */
async function compressionRatio(file: string, size: number): Promise<number> {
  if (size === 0) return 0;
  const handle = await open(file, 'r');
  try {
    const starts = size <= 4 * SAMPLE ? [0] : [0, 1, 2, 3].map((i) => Math.floor(((size - SAMPLE) * i) / 3));
    let raw = 0;
    let packed = 0;
    for (const start of starts) {
      const from = Math.max(0, start - WARM_UP);
      const length = Math.min(size, start + (size <= 4 * SAMPLE ? size : SAMPLE)) - from;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, from);
      const warm = start - from;
      if (bytesRead <= warm) continue;
      const whole = deflateRawSync(buffer.subarray(0, bytesRead), { level: 6 }).length;
      const before = warm > 0 ? deflateRawSync(buffer.subarray(0, warm), { level: 6 }).length : 0;
      raw += bytesRead - warm;
      packed += Math.max(0, whole - before);
    }
    return raw === 0 ? 0 : Math.min(1.05, Math.max(0.001, packed / raw));
  } finally {
    await handle.close();
  }
}

/**
 * Per tier, in order, the common cap that saves `need` estimated gzip bytes (biggest logs cut
 * first); a tier that cannot save it all is cut to nothing and the rest moves to the next tier.
 */
function planCaps(candidates: readonly Candidate[], need: number): { caps: Map<number, number>; predicted: number; exhausted: boolean } {
  const caps = new Map<number, number>();
  let left = need;
  let predicted = 0;
  for (const tier of TIER_ORDER) {
    if (left <= 0) break;
    const group = candidates.filter((c) => c.tier === tier && c.size > 0);
    if (group.length === 0) continue;
    const saving = (cap: number) => group.reduce((sum, c) => sum + c.ratio * Math.max(0, c.size - cap), 0);
    const all = saving(0);
    if (all <= left) {
      for (const c of group) caps.set(c.index, 0);
      left -= all;
      predicted += all;
      continue;
    }
    // The largest cap that still saves enough.
    let low = 0;
    let high = Math.max(...group.map((c) => c.size));
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (saving(mid) >= left) low = mid;
      else high = mid - 1;
    }
    for (const c of group) if (c.size > low) caps.set(c.index, low);
    predicted += saving(low);
    left = 0;
  }
  return { caps, predicted, exhausted: left > 0 || candidates.every((c) => c.size === 0 || caps.get(c.index) === 0) };
}

/** Writes the last `cap` bytes of `source` (from a line start) to `target`; returns bytes and sha256. */
async function writeTail(source: string, size: number, cap: number, target: string): Promise<{ bytes: number; sha256: string }> {
  let start = size - cap;
  if (cap <= 0) start = size;
  else if (start > 0) {
    // Start after the first newline at or past the byte before the window, so the first kept
    // line is whole (and a window that already starts a line keeps it).
    const handle = await open(source, 'r');
    try {
      const probe = Buffer.alloc(Math.min(cap + 1, 64 * 1024));
      let offset = start - 1;
      let found = -1;
      while (found < 0 && offset < size) {
        const { bytesRead } = await handle.read(probe, 0, probe.length, offset);
        if (bytesRead === 0) break;
        const at = probe.subarray(0, bytesRead).indexOf(0x0a);
        if (at >= 0) found = offset + at + 1;
        else offset += bytesRead;
      }
      start = found >= 0 ? found : size;
    } finally {
      await handle.close();
    }
  }
  const hash = createHash('sha256');
  let bytes = 0;
  if (start >= size) {
    await writeFile(target, '');
  } else {
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(source, { start }), meter, createWriteStream(target));
  }
  return { bytes, sha256: hash.digest('hex') };
}

function budgetNote(label: string, kept: number, from: number): string {
  return kept === 0
    ? `cut to fit the bundle budget (${label}): none of its ${formatBytes(from)} kept`
    : `cut to fit the bundle budget (${label}): kept the newest ${formatBytes(kept)} of ${formatBytes(from)}`;
}

/**
 * Makes the .tgz at `path` fit `budget.maxBytes`, rewriting it in place (atomically) when it is
 * over. Returns what was cut; `fits: false` means even the smallest bundle is over the budget.
 */
export async function fitBundleToBudget(path: string, budget: BundleBudget): Promise<BudgetOutcome> {
  const absolute = resolve(path);
  const maxBytes = Math.floor(budget.maxBytes);
  const label = budget.label ?? `--max-bundle-size ${maxBytes}`;
  const beforeBytes = (await stat(absolute)).size;
  const outcome: BudgetOutcome = { path: absolute, maxBytes, label, beforeBytes, bytes: beforeBytes, fits: beforeBytes <= maxBytes, cuts: [], rounds: 0, manifest: null };
  if (outcome.fits) return outcome;

  const work = await mkdtemp(join(dirname(absolute), `.${basename(absolute)}.budget-`));
  try {
    const unpacked = join(work, 'bundle');
    const read = await extractBundle(absolute, unpacked, budget.readOptions ?? {});
    const original = read.manifest;
    const topFolder = read.topFolder === '.' ? 'bundle' : read.topFolder;
    const stagingRoot = read.topFolder === '.' ? work : unpacked;
    const top = join(stagingRoot, topFolder);
    await mkdir(join(work, 'originals'), { recursive: true });

    const failing = failingNodesOf(original);
    const listed = new Set(original.artifacts.filter((a) => a.sha256 !== null).map((a) => a.path));
    const candidates: Candidate[] = [];
    const logNamespaces = new Set<string>();
    original.artifacts.forEach((entry, index) => {
      if (entry.sha256 === null || (entry.status !== 'ok' && entry.status !== 'truncated') || !isBudgetCuttable(entry.path)) return;
      const ns = /^cluster\/logs\/([^/]+)\//.exec(entry.path)?.[1];
      if (ns !== undefined) logNamespaces.add(ns);
      candidates.push({ index, entry, node: null, tier: 'unknown', size: entry.bytes, ratio: 1, original: null, current: entry.bytes });
    });
    const pods = await podNodes(top, logNamespaces, listed);
    for (const c of candidates) {
      const log = /^cluster\/logs\/([^/]+)\/([^/]+)\//.exec(c.entry.path);
      c.node = log ? (pods.get(`${log[1]}/${log[2]}`) ?? null) : (c.entry.node ?? parseNodePath(c.entry.path)?.node ?? null);
      // Without a scope record (--node-only, --nodes, merged bundles) every node counts as failing.
      c.tier = c.node === null ? 'unknown' : failing === null || failing.has(c.node) ? 'failing' : 'healthy';
      c.ratio = await compressionRatio(join(top, c.entry.path), c.size);
    }

    // The sampled estimate is good to a few percent of what is cut: the first round aims that far
    // below the budget (within reason), later rounds, with the corrected estimate, closer.
    const excess = beforeBytes - maxBytes;
    const targetFor = (round: number) => {
      const margin = Math.max(1024, maxBytes * 0.01, round === 0 ? Math.min(excess * 0.05, maxBytes * 0.1) : 0);
      return Math.max(0, Math.floor(maxBytes - margin));
    };
    const maxRounds = Math.max(1, budget.rounds ?? 4);

    interface Round {
      file: string;
      bytes: number;
      manifest: Manifest;
      cuts: BudgetCut[];
      /** Every log cut to nothing: the smallest this bundle gets. */
      minimum: boolean;
    }
    const packRound = async (caps: Map<number, number>, completion?: Manifest['completion']): Promise<Round> => {
      outcome.rounds += 1;
      const manifest = structuredClone(original);
      const cuts: BudgetCut[] = [];
      for (const c of candidates) {
        const cap = caps.get(c.index);
        const staged = join(top, c.entry.path);
        if (cap === undefined || cap >= c.size) {
          // Kept whole this round; put the original back if an earlier round cut it.
          if (c.original !== null && c.current !== c.size) {
            await copyFile(c.original, staged);
            c.current = c.size;
          }
          continue;
        }
        if (c.original === null) {
          c.original = join(work, 'originals', String(c.index));
          await rename(staged, c.original);
        }
        const written = await writeTail(c.original, c.size, cap, staged);
        c.current = written.bytes;
        const entry = manifest.artifacts[c.index]!;
        entry.bytes = written.bytes;
        entry.sha256 = written.sha256;
        if (entry.status === 'ok') entry.status = 'truncated';
        entry.truncatedFromBytes = Math.max(c.entry.truncatedFromBytes ?? c.size, c.size);
        const note = budgetNote(label, written.bytes, c.size);
        entry.error = c.entry.error !== undefined ? `${c.entry.error}; ${note}` : note;
        cuts.push({ path: c.entry.path, node: c.node, tier: c.tier, fromBytes: c.size, keptBytes: written.bytes });
      }
      if (completion) manifest.completion = completion;
      const problems = manifestProblems(manifest);
      if (problems.length > 0) {
        throw new CniEvidenceError({
          code: ERROR_CODES.MANIFEST_INVALID,
          message: `refusing to write an invalid manifest while fitting ${label}: ${problems.join('; ')}`,
          hint: 'This is a bug in cni-evidence; please report it with the command you ran (the bundle as first written is unchanged).',
          file: MANIFEST_PATH,
        });
      }
      const file = join(work, `round-${outcome.rounds}.tgz`);
      await packStaged(stagingRoot, topFolder, manifest, file);
      const minimum = candidates.every((c) => c.size === 0 || caps.get(c.index) === 0);
      return { file, bytes: (await stat(file)).size, manifest, cuts, minimum };
    };

    // Each round plans from the original logs with the estimate corrected by what the last
    // re-pack actually saved; the best round is the biggest bundle that fits.
    let correction = 1;
    let best: Round | null = null;
    let last: Round | null = null;
    let previousPlan = '';
    for (let round = 0; round < maxRounds; round += 1) {
      const target = targetFor(round);
      const plan = planCaps(candidates, (beforeBytes - target) / correction);
      const key = JSON.stringify([...plan.caps]);
      if (key === previousPlan) {
        // The correction did not move the plan: lean on it harder for the next try.
        correction *= 0.8;
        continue;
      }
      previousPlan = key;
      const packed = await packRound(plan.caps);
      last = packed;
      const saved = beforeBytes - packed.bytes;
      if (plan.predicted > 0 && saved > 0) correction = Math.min(4, Math.max(0.05, saved / plan.predicted));
      if (packed.bytes <= maxBytes && (best === null || packed.bytes > best.bytes)) best = packed;
      // Good enough: it fits and uses most of the budget; or nothing more can be cut.
      if ((best !== null && best.bytes >= maxBytes * 0.9) || packed.minimum) break;
    }

    let chosen: Round;
    if (best !== null) {
      chosen = best;
    } else {
      // No round fitted: the minimum, every log cut to nothing (unless the last round was it).
      const everything = new Map(candidates.map((c) => [c.index, 0]));
      const minimum = last !== null && last.minimum ? last : await packRound(everything);
      if (minimum.bytes <= maxBytes) {
        chosen = minimum;
      } else {
        const reason = `bundle over the budget (${label}): ${minimum.bytes} bytes even with every log cut to nothing, ${minimum.bytes - maxBytes} bytes over; written anyway`;
        outcome.overReason = reason;
        const completion: Manifest['completion'] = {
          state: 'partial',
          reason: original.completion.state === 'partial' ? `${original.completion.reason ?? 'partial'}; ${reason}` : reason,
        };
        chosen = await packRound(everything, completion);
      }
    }

    await rename(chosen.file, absolute);
    outcome.bytes = chosen.bytes;
    outcome.fits = chosen.bytes <= maxBytes;
    outcome.cuts = chosen.cuts;
    outcome.manifest = chosen.manifest;
    return outcome;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** For the user: what was cut for the budget, and whether the bundle still does not fit it. */
export function describeBudget(outcome: BudgetOutcome): { cut: string | null; over: string | null } {
  let cut: string | null = null;
  if (outcome.cuts.length > 0) {
    const byTier = TIER_ORDER.map((tier) => {
      const cuts = outcome.cuts.filter((c) => c.tier === tier);
      if (cuts.length === 0) return null;
      const nodes = [...new Set(cuts.map((c) => c.node).filter((n): n is string => n !== null))].sort();
      const what = tier === 'healthy' ? 'healthy-node' : tier === 'failing' ? 'failing-node' : 'other';
      return `${cuts.length} ${what} log(s)${nodes.length > 0 ? ` (${nodes.join(', ')})` : ''}`;
    }).filter((t): t is string => t !== null);
    cut = `bundle budget ${outcome.label}: the bundle was ${outcome.beforeBytes} bytes; cut ${byTier.join(', ')} from their oldest lines; now ${outcome.bytes} bytes`;
  }
  const over = outcome.fits
    ? null
    : `the bundle is ${outcome.bytes} bytes, over ${outcome.label} (${outcome.maxBytes} bytes) even with every log cut to nothing: written anyway, marked partial (raise the budget, or collect fewer nodes with --nodes or --max-nodes)`;
  return { cut, over };
}
