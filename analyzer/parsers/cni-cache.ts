/**
 * libcni result cache files, /var/lib/cni/results/<network>-<containerID>-<ifname>. The runtime
 * reads them on DEL; a 0-byte one (written during a crash or a full disk) makes every teardown fail
 * with `failed to get network "cbr0" cached result: decoding version from network config:
 * unexpected end of JSON input`, so empty and invalid files are records, not just problems.
 *
 * Two content forms: `cniCacheV1` ({kind, containerId, config: base64 of the conflist bytes,
 * ifName, networkName, cniArgs: [[k, v]…], capabilityArgs, result}) and the older bare result.
 *
 * The file name is split from the right: the ifname after the last dash, then the container ID.
 * Network names contain dashes (cni-loopback, containerd-net, aws-cni), so a 64-hex container ID,
 * a known network name, or the file's content decide the split; otherwise it is a marked guess.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { analyzeCniConfig } from './cni-config.js';
import { parseJsonDocument } from './lib/json.js';
import { baseName, looksBinary, problem } from './lib/text.js';
import { arr, isObject, num, obj, str, type JsonObject } from './lib/values.js';

export interface CniCacheIp {
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  version?: string;
}

export interface CniCacheResult {
  cniVersion?: string;
  ips: CniCacheIp[];
  interfaces: { name: string; mac?: string; sandbox?: string }[];
  routes: string[];
}

export interface CniCacheRecord {
  kind: 'cni-cache';
  file: string;
  line: number;
  fileName: string;
  state: 'ok' | 'empty' | 'whitespace' | 'invalid' | 'binary';
  format: 'cniCacheV1' | 'legacy-result' | 'unknown';
  networkName?: string;
  containerId?: string;
  ifName?: string;
  /** How network/container/ifname were told apart. */
  nameSource: 'content' | 'hex-id' | 'known-network' | 'guess' | 'none';
  /** The file name and the content disagree about network, container or ifname. */
  nameMismatch: boolean;
  cniArgs: [string, string][];
  podNamespace?: string;
  podName?: string;
  podUid?: string;
  infraContainerId?: string;
  capabilityArgs?: JsonObject;
  /** The conflist embedded in a cniCacheV1 entry, decoded. */
  configText?: string;
  configName?: string;
  configCniVersion?: string;
  configPluginTypes: string[];
  configError?: string;
  result?: CniCacheResult;
  /** For invalid files: where the JSON broke. */
  error?: { line: number; column: number; message: string };
}

export interface CacheFileName {
  networkName?: string;
  containerId?: string;
  ifName?: string;
  source: CniCacheRecord['nameSource'];
}

export function splitCacheFileName(name: string, knownNetworks: readonly string[] = []): CacheFileName {
  const last = name.lastIndexOf('-');
  if (last <= 0 || last === name.length - 1) return { source: 'none' };
  const ifName = name.slice(last + 1);
  const rest = name.slice(0, last);
  const hex = /-([0-9a-f]{64})$/.exec(rest);
  if (hex && hex.index > 0) return { networkName: rest.slice(0, hex.index), containerId: hex[1]!, ifName, source: 'hex-id' };
  const known = [...knownNetworks].sort((a, b) => b.length - a.length).find((n) => rest.startsWith(n + '-') && rest.length > n.length + 1);
  if (known) return { networkName: known, containerId: rest.slice(known.length + 1), ifName, source: 'known-network' };
  const first = rest.indexOf('-');
  if (first <= 0) return { ifName, source: 'none' };
  return { networkName: rest.slice(0, first), containerId: rest.slice(first + 1), ifName, source: 'guess' };
}

function resultOf(v: unknown): CniCacheResult | undefined {
  if (!isObject(v)) return undefined;
  const ips: CniCacheIp[] = [];
  for (const ip of arr(v['ips'])) {
    const o = obj(ip);
    const address = str(o['address']);
    if (!address) continue;
    const out: CniCacheIp = { address };
    const gw = str(o['gateway']);
    if (gw) out.gateway = gw;
    const idx = num(o['interface']);
    if (idx !== undefined) out.interface = idx;
    const ver = str(o['version']);
    if (ver) out.version = ver;
    ips.push(out);
  }
  // CNI 0.1/0.2 results: {"ip4": {"ip": "10.1.0.5/16", "gateway": "10.1.0.1"}}
  for (const fam of ['ip4', 'ip6'] as const) {
    const o = obj(v[fam]);
    const address = str(o['ip']);
    if (address) {
      const out: CniCacheIp = { address, version: fam === 'ip4' ? '4' : '6' };
      const gw = str(o['gateway']);
      if (gw) out.gateway = gw;
      ips.push(out);
    }
  }
  const interfaces = arr(v['interfaces']).map((i) => {
    const o = obj(i);
    const out: { name: string; mac?: string; sandbox?: string } = { name: str(o['name']) ?? '' };
    const mac = str(o['mac']);
    if (mac) out.mac = mac;
    const sandbox = str(o['sandbox']);
    if (sandbox) out.sandbox = sandbox;
    return out;
  });
  const routes = arr(v['routes']).map((r) => str(obj(r)['dst'])).filter((d): d is string => d !== undefined);
  const result: CniCacheResult = { ips, interfaces, routes };
  const cv = str(v['cniVersion']);
  if (cv) result.cniVersion = cv;
  return result;
}

export interface CniCacheParserOptions {
  /** Network names from the node's configs, to split file names whose container ID is not hex. */
  knownNetworks?: readonly string[];
}

export function createCniCacheParser(options: CniCacheParserOptions = {}): TextParser<CniCacheRecord> {
  return {
    id: 'cni-cache',
    parse(text: string, file: string): ParseResult<CniCacheRecord> {
      const fileName = baseName(file);
      const parsedName = splitCacheFileName(fileName, options.knownNetworks);
      const rec: CniCacheRecord = {
        kind: 'cni-cache', file, line: 0, fileName, state: 'ok', format: 'unknown',
        nameSource: parsedName.source, nameMismatch: false, cniArgs: [], configPluginTypes: [],
      };
      if (parsedName.networkName !== undefined) rec.networkName = parsedName.networkName;
      if (parsedName.containerId !== undefined) rec.containerId = parsedName.containerId;
      if (parsedName.ifName !== undefined) rec.ifName = parsedName.ifName;
      const problems: ParseProblem[] = [];
      const done = () => ({ records: [rec], problems });

      if (text.length === 0) {
        rec.state = 'empty';
        problems.push(problem(file, 0, 'empty (0-byte) CNI result cache file: DEL fails with "unexpected end of JSON input"'));
        return done();
      }
      if (looksBinary(text)) {
        rec.state = 'binary';
        problems.push(problem(file, 0, 'binary content in a CNI result cache file'));
        return done();
      }
      if (text.trim() === '') {
        rec.state = 'whitespace';
        problems.push(problem(file, 0, 'CNI result cache file holds only whitespace'));
        return done();
      }
      const doc = parseJsonDocument(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      if (doc.error || !isObject(doc.value)) {
        rec.state = 'invalid';
        const e = doc.error ?? { line: 1, column: 1, message: 'the JSON value is not an object' };
        rec.error = { line: e.line, column: e.column, message: e.message };
        problems.push(problem(file, e.line, `invalid CNI result cache JSON at line ${e.line} column ${e.column}: ${e.message}`, text.split('\n')[e.line - 1]));
        return done();
      }
      if (doc.trailing) {
        problems.push(problem(file, doc.trailing.line, 'unexpected text after the JSON value', doc.trailing.text));
      }
      const v = doc.value;
      if (v['kind'] === 'cniCacheV1') {
        rec.format = 'cniCacheV1';
        const fromContent = { networkName: str(v['networkName']), containerId: str(v['containerId']), ifName: str(v['ifName']) };
        for (const k of ['networkName', 'containerId', 'ifName'] as const) {
          const c = fromContent[k];
          if (c === undefined) continue;
          if (rec[k] !== undefined && rec[k] !== c && parsedName.source !== 'guess') rec.nameMismatch = true;
          rec[k] = c;
        }
        if (fromContent.networkName && fromContent.containerId) {
          rec.nameSource = 'content';
          const expected = `${fromContent.networkName}-${fromContent.containerId}-${fromContent.ifName ?? ''}`;
          if (fromContent.ifName && expected !== fileName) rec.nameMismatch = true;
        }
        for (const pair of arr(v['cniArgs'])) {
          const [k, val] = arr(pair);
          if (typeof k === 'string' && typeof val === 'string') rec.cniArgs.push([k, val]);
        }
        const arg = (name: string) => rec.cniArgs.find(([k]) => k === name)?.[1];
        const ns = arg('K8S_POD_NAMESPACE');
        if (ns) rec.podNamespace = ns;
        const pod = arg('K8S_POD_NAME');
        if (pod) rec.podName = pod;
        const uid = arg('K8S_POD_UID');
        if (uid) rec.podUid = uid;
        const infra = arg('K8S_POD_INFRA_CONTAINER_ID');
        if (infra) rec.infraContainerId = infra;
        if (isObject(v['capabilityArgs'])) rec.capabilityArgs = v['capabilityArgs'];
        const config = str(v['config']);
        if (config !== undefined) {
          const decoded = Buffer.from(config, 'base64').toString('utf8');
          rec.configText = decoded;
          const analysed = analyzeCniConfig(decoded, `${file}#config`, 'config.conflist').records[0];
          if (analysed) {
            if (analysed.name) rec.configName = analysed.name;
            if (analysed.cniVersion) rec.configCniVersion = analysed.cniVersion;
            rec.configPluginTypes = analysed.pluginTypes;
            const broken = analysed.issues.find((i) => i.severity === 'error');
            if (broken) rec.configError = broken.message;
          }
        }
        const result = resultOf(v['result']);
        if (result) rec.result = result;
      } else if ('cniVersion' in v || 'ips' in v || 'ip4' in v || 'interfaces' in v) {
        rec.format = 'legacy-result';
        const result = resultOf(v);
        if (result) rec.result = result;
      } else {
        problems.push(problem(file, 1, 'JSON object is neither a cniCacheV1 entry nor a CNI result', text));
      }
      return done();
    },
  };
}

export const cniCacheParser: TextParser<CniCacheRecord> = createCniCacheParser();
