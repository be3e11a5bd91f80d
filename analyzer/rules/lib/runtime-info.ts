/**
 * The container runtime's own view of CNI, read from the raw files the bundle keeps verbatim:
 * `crictl info` (cri/info.json: NetworkReady, lastCNILoadStatus, the networks it loaded, its bin
 * and conf dirs), `containerd config dump` and `crio config` (the CNI dirs it was told to use).
 * Every value carries the line it was read from, so rules can cite it.
 */
import type { NodeEvidence, RawText } from '../../evidence/types.js';

export interface Located<T> {
  value: T;
  file: string;
  line: number;
  /** The line as written, for the citation. */
  text: string;
}

function lineIndex(text: string): string[] {
  return text.split('\n');
}

/** First 1-based line whose text matches; 0 when none. */
function findLine(lines: string[], pattern: RegExp, from = 0): number {
  for (let i = from; i < lines.length; i++) if (pattern.test(lines[i]!)) return i + 1;
  return 0;
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface LoadedNetwork {
  name: string;
  cniVersion?: string;
  types: string[];
  ifName?: string;
}

export interface CriInfo {
  file: string;
  networkReady?: Located<{ status: boolean; reason: string; message: string }>;
  /** `lastCNILoadStatus` (containerd), and the per-handler `.default` one. */
  lastLoadStatus?: Located<string>;
  /** Networks the runtime loaded (containerd's `cniconfig.Networks`), cni-loopback excluded. */
  networks: Located<LoadedNetwork>[];
  /** Whether the runtime reported its loaded networks at all (CRI-O does not). */
  reportsNetworks: boolean;
  /** The line of `"Networks"`, to cite "only cni-loopback". */
  networksLine: number;
  confDir?: Located<string>;
  binDirs?: Located<string[]>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `crictl info` JSON; undefined when the file is absent or not JSON. */
export function readCriInfo(node: NodeEvidence): CriInfo | undefined {
  const raw: RawText | undefined = node.texts.get('cri/info.json');
  if (!raw || raw.text.trim() === '') return undefined;
  let json: Json;
  try {
    const parsed: unknown = JSON.parse(raw.text);
    if (!isObj(parsed)) return undefined;
    json = parsed;
  } catch {
    return undefined;
  }
  const lines = lineIndex(raw.text);
  const at = <T>(value: T, pattern: RegExp, from = 0): Located<T> => {
    const line = findLine(lines, pattern, from);
    return { value, file: raw.file, line, text: line > 0 ? lines[line - 1]!.trim() : '' };
  };
  const info: CriInfo = { file: raw.file, networks: [], reportsNetworks: false, networksLine: findLine(lines, /"Networks"\s*:/) };

  const status = isObj(json['status']) ? json['status'] : undefined;
  const conditions = Array.isArray(status?.['conditions']) ? (status!['conditions'] as unknown[]) : [];
  const nr = conditions.find((c) => isObj(c) && c['type'] === 'NetworkReady') as Json | undefined;
  if (nr) {
    const start = findLine(lines, /"type":\s*"NetworkReady"/);
    const value = { status: nr['status'] === true || nr['status'] === 'true', reason: String(nr['reason'] ?? ''), message: String(nr['message'] ?? '') };
    // Cite the message line when there is one: that is what the runtime says is wrong.
    const msgLine = value.message ? findLine(lines, new RegExp(`"message":\\s*"${esc(JSON.stringify(value.message).slice(1, -1)).slice(0, 60)}`), Math.max(0, start - 3)) : 0;
    const line = msgLine || start;
    info.networkReady = { value, file: raw.file, line, text: line > 0 ? lines[line - 1]!.trim() : `NetworkReady=${value.status}` };
  }
  const last = json['lastCNILoadStatus'] ?? json['lastCNILoadStatus.default'];
  if (typeof last === 'string') info.lastLoadStatus = at(last, /"lastCNILoadStatus(\.default)?"\s*:/);

  const cniconfig = isObj(json['cniconfig']) ? json['cniconfig'] : undefined;
  if (cniconfig && Array.isArray(cniconfig['Networks'])) {
    info.reportsNetworks = true;
    for (const n of cniconfig['Networks'] as unknown[]) {
      if (!isObj(n) || !isObj(n['Config'])) continue;
      const config = n['Config'];
      const name = String(config['Name'] ?? '');
      if (name === 'cni-loopback' || name === '') continue;
      const types = (Array.isArray(config['Plugins']) ? (config['Plugins'] as unknown[]) : [])
        .map((p) => (isObj(p) && isObj(p['Network']) ? String(p['Network']['type'] ?? '') : ''))
        .filter((t) => t !== '');
      const loaded: LoadedNetwork = { name, types };
      if (typeof config['CNIVersion'] === 'string') loaded.cniVersion = config['CNIVersion'];
      if (typeof n['IFName'] === 'string') loaded.ifName = n['IFName'];
      info.networks.push(at(loaded, new RegExp(`"Name":\\s*"${esc(name)}"`)));
    }
  }
  const cfgCni = isObj(json['config']) && isObj(json['config']['cni']) ? json['config']['cni'] : undefined;
  const confDir = cfgCni?.['confDir'] ?? cniconfig?.['PluginConfDir'];
  if (typeof confDir === 'string' && confDir) info.confDir = at(confDir, /"(confDir|PluginConfDir)"\s*:/);
  const bins = cfgCni?.['binDirs'] ?? (cfgCni?.['binDir'] !== undefined ? [cfgCni['binDir']] : cniconfig?.['PluginDirs']);
  if (Array.isArray(bins)) {
    const dirs = bins.filter((b): b is string => typeof b === 'string' && b !== '');
    if (dirs.length) info.binDirs = at(dirs, /"(binDirs?|PluginDirs)"\s*:/);
  }
  return info;
}

export interface RuntimeCniDirs {
  runtime: 'containerd' | 'crio';
  file: string;
  confDir?: Located<string>;
  binDirs?: Located<string[]>;
}

function tomlString(value: string): string | undefined {
  const m = /^\s*(["'])(.*?)\1/.exec(value);
  return m ? m[2] : undefined;
}

function tomlStrings(value: string): string[] {
  return [...value.matchAll(/(["'])(.*?)\1/g)].map((m) => m[2]!).filter((s) => s !== '');
}

/**
 * The CNI dirs of a containerd config (1.x `[plugins."io.containerd.grpc.v1.cri".cni]`, 2.x
 * `[plugins.'io.containerd.cri.v1.runtime'.cni]`) or a CRI-O config (`[crio.network]`).
 */
export function parseRuntimeCniDirs(text: string, file: string): RuntimeCniDirs | undefined {
  const lines = lineIndex(text);
  const isCrio = /^\s*\[crio\.network\]/m.test(text);
  const header = isCrio ? /^\s*\[crio\.network\]\s*$/ : /^\s*\[plugins\.["']io\.containerd\.(grpc\.v1\.cri|cri\.v1\.runtime)["']\.cni\]\s*$/;
  const start = findLine(lines, header);
  if (start === 0) return undefined;
  const out: RuntimeCniDirs = { runtime: isCrio ? 'crio' : 'containerd', file };
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*\[/.test(line)) break;
    const kv = /^\s*([\w.-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, rest] = kv as unknown as [string, string, string];
    const located = <T>(value: T): Located<T> => ({ value, file, line: i + 1, text: line.trim() });
    if (key === 'conf_dir' || key === 'network_dir') {
      const v = tomlString(rest);
      if (v) out.confDir = located(v.replace(/\/+$/, '') || '/');
    } else if (key === 'bin_dir' || key === 'bin_dirs' || key === 'plugin_dirs' || key === 'plugin_dir') {
      // A TOML array may continue over several lines.
      let value = rest;
      let j = i;
      while (value.includes('[') && !value.includes(']') && j + 1 < lines.length) value += lines[++j]!;
      const dirs = (value.trim().startsWith('[') ? tomlStrings(value) : [tomlString(value) ?? '']).map((d) => d.replace(/\/+$/, '') || '/').filter((d) => d !== '');
      if (dirs.length) out.binDirs = located(dirs);
    }
  }
  return out;
}

/** The runtime's configured CNI dirs, from the effective dump first, then the config files. */
export function runtimeCniDirs(node: NodeEvidence): RuntimeCniDirs | undefined {
  // k3s and rke2 run their own containerd from a generated config under /var/lib/rancher.
  const rancher = ['k3s', 'k3s-agent', 'rke2-server', 'rke2-agent'].some((u) => journalHasEntries(node, u));
  const distroFiles = [...node.texts.keys()].filter((k) => /^runtime\/var_lib_rancher_.*config\.toml$/.test(k)).sort();
  const order = rancher ? [...distroFiles, 'runtime/containerd-config-dump.toml', 'runtime/crio-config.toml'] : ['runtime/containerd-config-dump.toml', 'runtime/crio-config.toml'];
  const others = [...node.texts.keys()].filter((k) => k.startsWith('runtime/') && !order.includes(k)).sort();
  for (const key of [...order, ...others]) {
    const raw = node.texts.get(key);
    if (!raw || raw.text.trim() === '') continue;
    const dirs = parseRuntimeCniDirs(raw.text, raw.file);
    if (dirs && (dirs.confDir || dirs.binDirs)) return dirs;
  }
  return undefined;
}

/** A journal that holds real lines (not just `-- No entries --`). */
export function journalHasEntries(node: NodeEvidence, unit: string): boolean {
  const log = node.journals.get(unit);
  return !!log && log.linesSeen > 1;
}

/** The runtime the node runs, as far as the bundle shows. */
export function runtimeKind(node: NodeEvidence): 'containerd' | 'crio' | 'docker' | 'unknown' {
  if (journalHasEntries(node, 'crio') || (node.texts.get('runtime/crio-config.toml')?.text.trim() ?? '') !== '') return 'crio';
  if (journalHasEntries(node, 'containerd') || ['k3s', 'k3s-agent', 'rke2-server', 'rke2-agent'].some((u) => journalHasEntries(node, u))) return 'containerd';
  if (journalHasEntries(node, 'docker') || journalHasEntries(node, 'cri-docker')) return 'docker';
  if (node.texts.has('runtime/containerd-config-dump.toml')) return 'containerd';
  return 'unknown';
}

export function normDir(dir: string): string {
  return dir.replace(/\/+$/, '') || '/';
}
