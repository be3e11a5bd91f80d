/**
 * CNI network configuration files from /etc/cni/net.d: a single plugin (`.conf`, `.json`) or a
 * plugin chain (`.conflist`). Besides what the config says (plugin types, IPAM ranges, bridge,
 * MTU, kubeconfig paths), the record says what is wrong with the file the way libcni would see it:
 * empty or whitespace-only, a UTF-8 BOM (Go's JSON decoder rejects it), trailing garbage after the
 * value, invalid JSON with its line and column, missing type/plugins/name/cniVersion, a chain in a
 * `.conf` file. CRLF endings are reported but are not an error: JSON treats \r as whitespace.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { parseJsonDocument, lineOfPath, type JsonDocument, type JsonPath } from './lib/json.js';
import { baseName, looksBinary, problem } from './lib/text.js';
import { arr, bool, isObject, numLike, obj, setIf, str, strList, type JsonObject } from './lib/values.js';

export type CniConfigIssueCode =
  | 'binary'
  | 'empty'
  | 'whitespace-only'
  | 'bom'
  | 'crlf'
  | 'invalid-json'
  | 'trailing-garbage'
  | 'not-an-object'
  | 'missing-type'
  | 'missing-plugins'
  | 'empty-plugins'
  | 'plugin-missing-type'
  | 'missing-cni-version'
  | 'unknown-cni-version'
  | 'missing-name'
  | 'extension-mismatch';

export interface CniConfigIssue {
  code: CniConfigIssueCode;
  severity: 'error' | 'warning' | 'info';
  /** 1-based; 0 when the issue is about the whole file. */
  line: number;
  column?: number;
  message: string;
}

export interface CniConfigFlags {
  binary: boolean;
  empty: boolean;
  whitespaceOnly: boolean;
  bom: boolean;
  crlf: boolean;
  invalidJson: boolean;
  trailingGarbage: boolean;
  notAnObject: boolean;
  missingType: boolean;
  missingPlugins: boolean;
  emptyPlugins: boolean;
  pluginMissingType: boolean;
  missingCniVersion: boolean;
  unknownCniVersion: boolean;
  missingName: boolean;
  extensionMismatch: boolean;
}

export interface CniIpamRange {
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

export interface CniIpam {
  type?: string;
  /** The old single-range form (and Calico's `usePodCidr`). */
  subnet?: string;
  ranges: CniIpamRange[][];
  dataDir?: string;
  /** Route destinations. */
  routes: string[];
  raw: JsonObject;
}

export interface CniPluginConfig {
  /** Position in the chain (0 for a single-plugin config). */
  index: number;
  type?: string;
  name?: string;
  /** Line of the plugin's "type" (or of the plugin object when it has none). */
  line: number;
  bridge?: string;
  mtu?: number;
  isGateway?: boolean;
  isDefaultGateway?: boolean;
  ipMasq?: boolean;
  hairpinMode?: boolean;
  ipam?: CniIpam;
  /** flannel's delegate object. */
  delegate?: JsonObject;
  /** Types of multus `delegates` / flannel `delegate`. */
  delegateTypes: string[];
  kubeconfig?: string;
  /** Where the plugin writes its own log (calico log_file_path, cilium log-file, aws pluginLogFile). */
  logFile?: string;
  /** Capability names set to true (portMappings, bandwidth, …). */
  capabilities: string[];
  raw: JsonObject;
}

export interface CniConfigRecord {
  kind: 'cni-config';
  file: string;
  line: number;
  fileName: string;
  extension: 'conf' | 'conflist' | 'json' | 'other';
  /** libcni only loads .conf, .conflist and .json files; others are ignored by the runtime. */
  loadedByLibcni: boolean;
  /** What the content is, regardless of the extension. */
  shape: 'conflist' | 'conf' | 'unknown';
  name?: string;
  cniVersion?: string;
  /** CNI 1.1 `cniVersions`. */
  cniVersions?: string[];
  disableCheck?: boolean;
  plugins: CniPluginConfig[];
  pluginTypes: string[];
  kubeconfigPaths: string[];
  flags: CniConfigFlags;
  issues: CniConfigIssue[];
}

export const KNOWN_CNI_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

const PATTERNS: JsonPath[] = [
  ['type'],
  ['name'],
  ['cniVersion'],
  ['plugins'],
  ['plugins', '*'],
  ['plugins', '*', 'type'],
];

function emptyFlags(): CniConfigFlags {
  return {
    binary: false, empty: false, whitespaceOnly: false, bom: false, crlf: false, invalidJson: false,
    trailingGarbage: false, notAnObject: false, missingType: false, missingPlugins: false, emptyPlugins: false,
    pluginMissingType: false, missingCniVersion: false, unknownCniVersion: false, missingName: false,
    extensionMismatch: false,
  };
}

const FLAG_OF: Record<CniConfigIssueCode, keyof CniConfigFlags> = {
  binary: 'binary',
  empty: 'empty',
  'whitespace-only': 'whitespaceOnly',
  bom: 'bom',
  crlf: 'crlf',
  'invalid-json': 'invalidJson',
  'trailing-garbage': 'trailingGarbage',
  'not-an-object': 'notAnObject',
  'missing-type': 'missingType',
  'missing-plugins': 'missingPlugins',
  'empty-plugins': 'emptyPlugins',
  'plugin-missing-type': 'pluginMissingType',
  'missing-cni-version': 'missingCniVersion',
  'unknown-cni-version': 'unknownCniVersion',
  'missing-name': 'missingName',
  'extension-mismatch': 'extensionMismatch',
};

function extensionOf(fileName: string): CniConfigRecord['extension'] {
  if (fileName.endsWith('.conflist')) return 'conflist';
  if (fileName.endsWith('.conf')) return 'conf';
  if (fileName.endsWith('.json')) return 'json';
  return 'other';
}

function ipamOf(v: unknown): CniIpam | undefined {
  if (!isObject(v)) return undefined;
  const ranges = arr(v['ranges']).map((set) =>
    arr(set).map((r) => {
      const o = obj(r);
      const out: CniIpamRange = {};
      const subnet = str(o['subnet']);
      if (subnet !== undefined) out.subnet = subnet;
      const rs = str(o['rangeStart']);
      if (rs !== undefined) out.rangeStart = rs;
      const re = str(o['rangeEnd']);
      if (re !== undefined) out.rangeEnd = re;
      const gw = str(o['gateway']);
      if (gw !== undefined) out.gateway = gw;
      return out;
    }),
  );
  const ipam: CniIpam = {
    ranges,
    routes: arr(v['routes']).map((r) => str(obj(r)['dst'])).filter((d): d is string => d !== undefined),
    raw: v,
  };
  const type = str(v['type']);
  if (type !== undefined) ipam.type = type;
  const subnet = str(v['subnet']);
  if (subnet !== undefined) ipam.subnet = subnet;
  const dataDir = str(v['dataDir']);
  if (dataDir !== undefined) ipam.dataDir = dataDir;
  return ipam;
}

function pluginOf(raw: JsonObject, index: number, line: number): CniPluginConfig {
  const p: CniPluginConfig = { index, line, delegateTypes: [], capabilities: [], raw };
  const set = <K extends keyof CniPluginConfig>(k: K, v: CniPluginConfig[K] | undefined) => setIf(p, k, v);
  set('type', str(raw['type']));
  set('name', str(raw['name']));
  set('bridge', str(raw['bridge']));
  set('mtu', numLike(raw['mtu']));
  set('isGateway', bool(raw['isGateway']));
  set('isDefaultGateway', bool(raw['isDefaultGateway']));
  set('ipMasq', bool(raw['ipMasq']));
  set('hairpinMode', bool(raw['hairpinMode']));
  set('ipam', ipamOf(raw['ipam']));
  if (isObject(raw['delegate'])) {
    p.delegate = raw['delegate'];
    // flannel's delegate defaults to a bridge when it names no type
    p.delegateTypes.push(str(raw['delegate']['type']) ?? 'bridge');
  }
  for (const d of arr(raw['delegates'])) {
    const t = str(obj(d)['type']) ?? str(arr(obj(d)['plugins']).map((x) => str(obj(x)['type'])).find(Boolean));
    if (t) p.delegateTypes.push(t);
  }
  set('kubeconfig', str(obj(raw['kubernetes'])['kubeconfig']) ?? str(raw['kubeconfig']) ?? str(raw['Kubeconfig']));
  set('logFile', str(raw['log_file_path']) ?? str(raw['log-file']) ?? str(raw['pluginLogFile']) ?? str(raw['logFile']));
  for (const [k, v] of Object.entries(obj(raw['capabilities']))) if (v === true) p.capabilities.push(k);
  return p;
}

/**
 * Analyses one config text. Exported for the libcni cache parser, whose entries embed the
 * conflist that was used (base64) and deserve the same reading.
 */
export function analyzeCniConfig(text: string, file: string, fileName = baseName(file)): ParseResult<CniConfigRecord> {
  const extension = extensionOf(fileName);
  const flags = emptyFlags();
  const issues: CniConfigIssue[] = [];
  const problems: ParseProblem[] = [];
  const record: CniConfigRecord = {
    kind: 'cni-config', file, line: 0, fileName, extension,
    loadedByLibcni: extension !== 'other', shape: 'unknown',
    plugins: [], pluginTypes: [], kubeconfigPaths: [], flags, issues,
  };
  const issue = (code: CniConfigIssueCode, severity: CniConfigIssue['severity'], line: number, message: string, column?: number, excerpt?: string) => {
    flags[FLAG_OF[code]] = true;
    const i: CniConfigIssue = { code, severity, line, message };
    if (column !== undefined) i.column = column;
    issues.push(i);
    // Issues that stop libcni from loading the file are also parse problems.
    if (severity === 'error' && ['binary', 'empty', 'whitespace-only', 'bom', 'invalid-json', 'trailing-garbage', 'not-an-object'].includes(code)) {
      problems.push(problem(file, line, message, excerpt));
    }
  };
  const done = () => ({ records: [record], problems });

  if (looksBinary(text)) {
    issue('binary', 'error', 0, 'binary content, not a JSON config');
    return done();
  }
  if (text.length === 0) {
    issue('empty', 'error', 0, 'empty file (0 bytes): libcni fails with "unexpected end of JSON input"');
    return done();
  }
  let body = text;
  if (body.charCodeAt(0) === 0xfeff) {
    body = body.slice(1);
    issue('bom', 'error', 1, 'UTF-8 byte order mark at the start: Go\'s JSON decoder rejects it ("invalid character \'ï\' looking for beginning of value")', 1);
  }
  const crlfAt = body.indexOf('\r\n');
  if (crlfAt !== -1) {
    const line = body.slice(0, crlfAt).split('\n').length;
    issue('crlf', 'info', line, 'CRLF line endings (harmless to JSON parsers, but a sign the file was edited on Windows)');
  }
  if (body.trim() === '') {
    issue('whitespace-only', 'error', 0, 'file holds only whitespace: libcni fails with "unexpected end of JSON input"');
    return done();
  }
  if (extension === 'other' && !body.trimStart().startsWith('{')) return done();

  const doc: JsonDocument = parseJsonDocument(body, PATTERNS);
  const col = (line: number, column: number) => (record.flags.bom && line === 1 ? column + 1 : column);
  if (doc.error) {
    const e = doc.error;
    const lineText = body.split('\n')[e.line - 1] ?? '';
    issue('invalid-json', 'error', e.line, `invalid JSON at line ${e.line} column ${col(e.line, e.column)}: ${e.message}`, col(e.line, e.column), lineText);
    return done();
  }
  if (doc.trailing) {
    const t = doc.trailing;
    issue('trailing-garbage', 'error', t.line, `unexpected text after the JSON value at line ${t.line} column ${col(t.line, t.column)}`, col(t.line, t.column), t.text);
  }
  const value = doc.value;
  if (!isObject(value)) {
    issue('not-an-object', 'error', 1, 'the JSON value is not an object');
    return done();
  }
  const set = <K extends keyof CniConfigRecord>(k: K, v: CniConfigRecord[K] | undefined) => setIf(record, k, v);
  set('name', str(value['name']));
  set('cniVersion', str(value['cniVersion']));
  if (Array.isArray(value['cniVersions'])) record.cniVersions = strList(value['cniVersions']);
  set('disableCheck', bool(value['disableCheck']));

  const hasPlugins = 'plugins' in value;
  const hasType = typeof value['type'] === 'string' && value['type'] !== '';
  record.shape = hasPlugins ? 'conflist' : hasType ? 'conf' : 'unknown';
  if (hasPlugins) {
    const list = value['plugins'];
    const listLine = lineOfPath(doc, ['plugins']);
    if (!Array.isArray(list)) issue('missing-plugins', 'error', listLine, '"plugins" is not a list');
    else if (list.length === 0) issue('empty-plugins', 'error', listLine, 'error parsing configuration list: no plugins in list');
    else {
      list.forEach((p, i) => {
        const line = lineOfPath(doc, ['plugins', i, 'type'], lineOfPath(doc, ['plugins', i], listLine));
        if (!isObject(p)) {
          issue('plugin-missing-type', 'error', line, `plugin ${i} is not an object`);
          return;
        }
        const plugin = pluginOf(p, i, line);
        if (!plugin.type) issue('plugin-missing-type', 'error', line, `plugin ${i} has no "type"`);
        record.plugins.push(plugin);
      });
    }
    if (extension === 'conf' || extension === 'json') {
      issue('extension-mismatch', 'error', listLine, `a plugin list in a .${extension} file: libcni reads it as a single plugin and fails with "missing 'type'"`);
      if (!hasType) issue('missing-type', 'error', 1, "error parsing configuration: missing 'type'");
    }
  } else {
    if (extension === 'conflist') issue('missing-plugins', 'error', 1, "error parsing configuration list: no 'plugins' key");
    if (!hasType) issue('missing-type', 'error', 1, "error parsing configuration: missing 'type'");
    else record.plugins.push(pluginOf(value, 0, lineOfPath(doc, ['type'])));
  }
  if (record.cniVersion === undefined && record.cniVersions === undefined) {
    issue('missing-cni-version', 'error', 1, 'no "cniVersion": kubelet 1.16+ and newer runtimes reject the config');
  } else if (record.cniVersion !== undefined && !(KNOWN_CNI_VERSIONS as readonly string[]).includes(record.cniVersion)) {
    issue('unknown-cni-version', 'warning', lineOfPath(doc, ['cniVersion']), `cniVersion "${record.cniVersion}" is not a released CNI spec version`);
  }
  if (record.name === undefined && (record.shape === 'conflist' || extension === 'conflist')) {
    issue('missing-name', 'error', 1, 'error parsing configuration list: no name');
  }
  record.pluginTypes = record.plugins.map((p) => p.type).filter((t): t is string => t !== undefined);
  record.kubeconfigPaths = [...new Set(record.plugins.map((p) => p.kubeconfig).filter((k): k is string => k !== undefined))];
  return done();
}

export const cniConfigParser: TextParser<CniConfigRecord> = {
  id: 'cni-config',
  parse(text: string, file: string): ParseResult<CniConfigRecord> {
    return analyzeCniConfig(text, file);
  },
};
