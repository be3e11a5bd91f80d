/**
 * The runtime's CNI conf dir as libcni sees it: which files it lists (.conf, .conflist, .json,
 * in byte order of their names), which of them it can load, which one wins, and whether the
 * bundle could read the dir at all. Shared by the config rules so that "missing", "invalid",
 * "conflict", "stale" and "not reloaded" agree on one reading of net.d.
 */
import type { ArtifactEntry } from '../../../shared/bundle/manifest-schema.js';
import type { NodeEvidence } from '../../evidence/types.js';
import type { CniConfigIssue, CniConfigIssueCode, CniConfigRecord, LsEntryRecord, LsRecord } from '../../parsers/index.js';
import type { Symptom } from '../../correlate/symptoms.js';
import type { Citation } from '../../model.js';
import { citeText, type RuleContext } from '../define.js';
import { normDir, readCriInfo, runtimeCniDirs } from './runtime-info.js';

export const STOCK_CONF_DIR = '/etc/cni/net.d';
export const STOCK_BIN_DIR = '/opt/cni/bin';

/**
 * The runtime has no usable network: containerd ("cni plugin not initialized", "no network config
 * found in"), CRI-O ("No CNI configuration file in … Has your network provider started?"),
 * dockershim ("cni config uninitialized"), kubelet's NetworkReady=false condition.
 */
export const NOT_INITIALIZED =
  /cni plugin not initiali[sz]ed|no network config found in|NetworkPluginNotReady|network plugin is not ready|cni config uninitiali[sz]ed|no valid networks found in|No CNI configuration file in|Has your network provider started|NetworkReady=false|Unable to update cni config/i;

/** Issues that make libcni refuse a file (missing cniVersion is a version matter, not a parse error). */
const BLOCKING: ReadonlySet<CniConfigIssueCode> = new Set<CniConfigIssueCode>([
  'binary', 'empty', 'whitespace-only', 'bom', 'invalid-json', 'trailing-garbage', 'not-an-object',
  'missing-type', 'missing-plugins', 'empty-plugins', 'plugin-missing-type', 'missing-name', 'extension-mismatch',
]);

export function blockingIssues(config: CniConfigRecord): CniConfigIssue[] {
  return config.issues.filter((i) => i.severity === 'error' && BLOCKING.has(i.code));
}

export function isUsable(config: CniConfigRecord): boolean {
  return config.loadedByLibcni && blockingIssues(config).length === 0;
}

export type DirState = 'ok' | 'absent' | 'unreadable' | 'not-collected';

export interface ConfDirView {
  dir: string;
  /** `stock` for /etc/cni/net.d, `distro:<name>` for k3s/rke2, `uncollected` for a dir the bundle lacks. */
  source: string;
  listingPath: string;
  state: DirState;
  stateReason?: string;
  listingRecords: LsRecord[] | null;
  /** Files and symlinks in the dir itself (not `.`, not subdirs). */
  entries: LsEntryRecord[];
  /** Every file the bundle holds from the dir, in libcni's order. */
  configs: CniConfigRecord[];
  /** The files libcni lists (.conf, .conflist, .json), in its order. */
  loadable: CniConfigRecord[];
  /** Files listed by ls but not loaded by libcni (.bak, .disabled, README). */
  ignoredNames: string[];
  /** net.d files the collector could not read. */
  unreadable: ArtifactEntry[];
  /** The first loadable file (containerd reads it first and stops on an error there). */
  first?: CniConfigRecord;
  /** The first loadable file libcni can parse: the network pods get. */
  winner?: CniConfigRecord;
}

const LOADABLE_EXT = /\.(conf|conflist|json)$/;

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function view(ctx: RuleContext, node: NodeEvidence, dir: string, source: string, listingPath: string, listing: LsRecord[] | null, configs: CniConfigRecord[], filePrefix: string): ConfDirView {
  const artifact = ctx.artifact(node.name, listingPath);
  const errors = listing?.filter((r) => r.kind === 'ls-error') ?? [];
  let state: DirState = 'ok';
  let stateReason: string | undefined;
  if (!artifact && listing === null) state = 'not-collected';
  else if (artifact?.status === 'absent' || errors.some((e) => /no such file/i.test(e.reason))) {
    state = 'absent';
    stateReason = artifact?.error ?? errors[0]?.text;
  } else if (artifact && artifact.status !== 'ok' && artifact.status !== 'truncated') {
    state = 'unreadable';
    stateReason = `${artifact.status}${artifact.error ? `: ${artifact.error}` : ''}`;
  } else if (errors.length > 0) {
    state = 'unreadable';
    stateReason = errors[0]!.text;
  }
  const entries = (listing ?? []).filter((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name !== '.' && r.name !== '..' && !r.name.includes('/') && r.fileType !== 'directory');
  const sorted = [...configs].sort((a, b) => byName(a.fileName, b.fileName));
  const loadable = sorted.filter((c) => c.loadedByLibcni);
  const unreadable = [...node.artifacts.values()].filter((a) => a.path.startsWith(filePrefix) && a.status !== 'ok' && a.status !== 'truncated');
  const ignoredNames = entries.filter((e) => !LOADABLE_EXT.test(e.name)).map((e) => e.name);
  const out: ConfDirView = { dir, source, listingPath, state, listingRecords: listing, entries, configs: sorted, loadable, ignoredNames, unreadable };
  if (stateReason !== undefined) out.stateReason = stateReason;
  const first = loadable[0];
  if (first) out.first = first;
  const winner = loadable.find(isUsable);
  if (winner) out.winner = winner;
  return out;
}

/** /etc/cni/net.d as collected. */
export function stockConfDir(ctx: RuleContext, node: NodeEvidence): ConfDirView {
  return view(ctx, node, STOCK_CONF_DIR, 'stock', 'cni/net.d.ls', node.netDListing, node.cniConfigs, `nodes/${node.name}/cni/net.d/`);
}

/** k3s/rke2 conf dirs that the bundle holds (listing or files). */
export function distroConfDirs(ctx: RuleContext, node: NodeEvidence): ConfDirView[] {
  const out: ConfDirView[] = [];
  for (const distro of ['k3s', 'rke2']) {
    const listingPath = `distro/${distro}/cni/net.d.ls`;
    const configs = node.distroCniConfigs.filter((d) => d.distro === distro).map((d) => d.config);
    const artifact = ctx.artifact(node.name, listingPath);
    if (!artifact && configs.length === 0) continue;
    // The store keeps no distro net.d listing (only its files), so the manifest entry stands for it.
    out.push(view(ctx, node, `/var/lib/rancher/${distro}/agent/etc/cni/net.d`, `distro:${distro}`, listingPath, null, configs, `nodes/${node.name}/distro/${distro}/cni/net.d/`));
  }
  return out;
}

/** The view of a given dir: stock, a distro one, or an empty "uncollected" one. */
export function confDirView(ctx: RuleContext, node: NodeEvidence, dir: string): ConfDirView {
  const d = normDir(dir);
  if (d === STOCK_CONF_DIR) return stockConfDir(ctx, node);
  const distro = distroConfDirs(ctx, node).find((v) => v.dir === d);
  if (distro) return distro;
  const m = /^\/var\/lib\/rancher\/(k3s|rke2)\/agent\/etc\/cni\/net\.d$/.exec(d);
  if (m) {
    const listingPath = `distro/${m[1]}/cni/net.d.ls`;
    return view(ctx, node, d, `distro:${m[1]}`, listingPath, null, [], `nodes/${node.name}/distro/${m[1]}/cni/net.d/`);
  }
  return { dir: d, source: 'uncollected', listingPath: '', state: 'not-collected', listingRecords: null, entries: [], configs: [], loadable: [], ignoredNames: [], unreadable: [] };
}

export interface RuntimeDir {
  dir: string;
  /** Where the bundle says so: the runtime's error, crictl info, its config, or the default. */
  basis: 'error' | 'cri-info' | 'config' | 'default';
  citation?: Citation;
}

const CONF_DIR_IN_ERROR = /no network config found in (\/[^\s:"\\]+)|No CNI configuration file in (\/[^\s:"\\]+?)\/?\.|failed to load CNI config (?:list )?file (\/[^\s:"\\]+)\/[^/\s:"\\]+/;

/** The conf dir the runtime reads, most direct evidence first. */
export function runtimeConfDir(node: NodeEvidence, symptoms: readonly Symptom[]): RuntimeDir {
  for (const s of symptoms) {
    if (s.node !== node.name) continue;
    const m = CONF_DIR_IN_ERROR.exec(s.message);
    const dir = m?.[1] ?? m?.[2] ?? m?.[3];
    if (dir) return { dir: normDir(dir), basis: 'error', citation: s.citation };
  }
  const info = readCriInfo(node);
  if (info?.confDir) return { dir: normDir(info.confDir.value), basis: 'cri-info', citation: citeText(info.confDir.file, info.confDir.line, info.confDir.text) };
  const dirs = runtimeCniDirs(node);
  if (dirs?.confDir) return { dir: normDir(dirs.confDir.value), basis: 'config', citation: citeText(dirs.confDir.file, dirs.confDir.line, dirs.confDir.text) };
  return { dir: STOCK_CONF_DIR, basis: 'default' };
}

/** A config's one-line description: "10-flannel.conflist (cbr0: flannel, portmap)". */
export function describeConfig(config: CniConfigRecord): string {
  return `${config.fileName} (${config.name ?? 'no name'}: ${config.pluginTypes.join(', ') || 'no plugin type'})`;
}

/** Citation of a whole config file, at its "type" line when known. */
export function citeConfig(config: CniConfigRecord, text?: string): Citation {
  const line = config.plugins[0]?.line ?? 0;
  return citeText(config.file, line, text ?? `${config.fileName}: ${config.name ? `"name": "${config.name}", ` : ''}plugins ${config.pluginTypes.map((t) => `"${t}"`).join(', ') || '(none)'}`);
}

/** Listing line of a file in net.d.ls (mode, size, mtime), when the listing has it. */
export function listingEntry(view: ConfDirView, fileName: string): LsEntryRecord | undefined {
  return view.entries.find((e) => e.name === fileName);
}

/** `kubectl debug` wrapper that runs a command in the node's root filesystem. */
export function onNode(node: string, command: string): string {
  return `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c '${command.replace(/'/g, `'\\''`)}'`;
}
