/**
 * iproute2 output: `ip [-d] addr`, `ip [-d] link`, `ip route show table all`, `ip rule`, and the
 * `ip -j` JSON of each. Interfaces carry what CNI rules look at: the bridge (cni0, cbr0) and its
 * address, veth peers (`veth811fc485@if2`, `link-netns cl12654-a`), the bridge a veth is enslaved
 * to, the device kind from `-d` (bridge, veth, vxlan with its VNI and port, macvlan), MTU and
 * state. Routes keep their table, so `table all` output separates main from local.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { lineOfPath, parseJsonDocument } from './lib/json.js';
import { ipFamily } from './lib/net.js';
import { looksBinary, problem, splitLines, toInt } from './lib/text.js';
import { arr, bool, isObject, num, obj, setIf, str, strList } from './lib/values.js';

export interface VxlanInfo {
  id?: number;
  local?: string;
  remote?: string;
  group?: string;
  /** The underlay device. */
  dev?: string;
  dstport?: number;
  learning?: boolean;
}

export interface IpLinkRecord {
  kind: 'ip-link';
  file: string;
  line: number;
  index: number;
  name: string;
  /** `@if2`: the peer's ifindex (in `linkNetns` when set). */
  peerIndex?: number;
  /** `@veth1`: the parent or peer by name (macvlan, vlan, or a veth peer in the same netns). */
  parent?: string;
  flags: string[];
  up: boolean;
  lowerUp: boolean;
  noCarrier: boolean;
  mtu?: number;
  qdisc?: string;
  master?: string;
  state?: string;
  mode?: string;
  group?: string;
  qlen?: number;
  /** `ether`, `loopback`, `none`, `ipip`, … */
  linkType?: string;
  mac?: string;
  broadcast?: string;
  linkNetns?: string;
  linkNetnsId?: number;
  promiscuity?: number;
  /** Device kind from `-d` (bridge, veth, vxlan, macvlan, …); absent without -d. */
  linkKind?: string;
  /** `bridge_slave` → bridge. */
  slaveKind?: string;
  bridgeSlaveState?: string;
  vxlan?: VxlanInfo;
  altnames: string[];
}

export interface IpAddrRecord {
  kind: 'ip-addr';
  file: string;
  line: number;
  ifIndex: number;
  ifName: string;
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
  /** address/prefixLength */
  cidr: string;
  peer?: string;
  broadcast?: string;
  scope?: string;
  label?: string;
  /** secondary, tentative, dadfailed, dynamic, noprefixroute, … */
  flags: string[];
}

export interface IpRouteNexthop {
  via?: string;
  dev?: string;
  weight?: number;
}

export interface IpRouteRecord {
  kind: 'ip-route';
  file: string;
  line: number;
  family: 4 | 6;
  /** unicast, local, broadcast, multicast, blackhole, unreachable, prohibit, throw, … */
  type: string;
  /** `default` or a prefix/address. */
  dst: string;
  via?: string;
  dev?: string;
  table: string;
  proto?: string;
  scope?: string;
  src?: string;
  metric?: number;
  mtu?: number;
  pref?: string;
  /** linkdown, onlink, dead, … */
  flags: string[];
  nexthops: IpRouteNexthop[];
}

export interface IpRuleRecord {
  kind: 'ip-rule';
  file: string;
  line: number;
  priority: number;
  not: boolean;
  from?: string;
  to?: string;
  fwmark?: string;
  iif?: string;
  oif?: string;
  table?: string;
  /** lookup, goto, blackhole, unreachable, prohibit, nop. */
  action: string;
}

export type IpRecord = IpLinkRecord | IpAddrRecord | IpRouteRecord | IpRuleRecord;

const LINK_HEADER = /^(\d+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)$/;
const ADDR_FLAGS = new Set([
  'secondary', 'primary', 'tentative', 'deprecated', 'dadfailed', 'dynamic', 'noprefixroute', 'temporary',
  'mngtmpaddr', 'home', 'nodad', 'optimistic', 'stable-privacy', 'autojoin', 'permanent',
]);
const LINK_KEYWORDS = new Set(['brd', 'link-netns', 'link-netnsid', 'promiscuity', 'permaddr', 'minmtu', 'maxmtu', 'allmulti']);

function newLink(file: string, line: number, index: number, name: string, flags: string[]): IpLinkRecord {
  return {
    kind: 'ip-link', file, line, index, name, flags, altnames: [],
    up: flags.includes('UP'), lowerUp: flags.includes('LOWER_UP'), noCarrier: flags.includes('NO-CARRIER'),
  };
}

function applyHeaderPairs(link: IpLinkRecord, rest: string): void {
  const t = rest.trim().split(/\s+/);
  for (let i = 0; i + 1 < t.length; i += 2) {
    const k = t[i]!;
    const v = t[i + 1]!;
    if (k === 'mtu') link.mtu = toInt(v) ?? link.mtu;
    else if (k === 'qdisc') link.qdisc = v;
    else if (k === 'master') link.master = v;
    else if (k === 'state') link.state = v;
    else if (k === 'mode') link.mode = v;
    else if (k === 'group') link.group = v;
    else if (k === 'qlen') link.qlen = toInt(v) ?? link.qlen;
    else if (k === 'link-netnsid') link.linkNetnsId = toInt(v) ?? link.linkNetnsId;
    else i--; // a lone word (e.g. "dynamic"): step one token, not two
  }
}

function applyLinkLine(link: IpLinkRecord, tokens: string[]): void {
  link.linkType = tokens[0]!.slice('link/'.length);
  let i = 1;
  if (tokens[1] !== undefined && !LINK_KEYWORDS.has(tokens[1])) {
    link.mac = tokens[1];
    i = 2;
  }
  for (; i < tokens.length; i++) {
    const k = tokens[i]!;
    const v = tokens[i + 1];
    if (v === undefined) break;
    if (k === 'brd') link.broadcast = v;
    else if (k === 'link-netns') link.linkNetns = v;
    else if (k === 'link-netnsid') link.linkNetnsId = toInt(v);
    else if (k === 'promiscuity') link.promiscuity = toInt(v);
    else continue;
    i++;
  }
}

function parseVxlan(tokens: string[]): VxlanInfo {
  const vx: VxlanInfo = {};
  for (let i = 1; i < tokens.length; i++) {
    const k = tokens[i]!;
    const v = tokens[i + 1];
    if (k === 'nolearning') vx.learning = false;
    else if (k === 'learning') vx.learning = true;
    else if (v === undefined) break;
    else if (k === 'id') (vx.id = toInt(v)), i++;
    else if (k === 'local') (vx.local = v), i++;
    else if (k === 'remote') (vx.remote = v), i++;
    else if (k === 'group') (vx.group = v), i++;
    else if (k === 'dev') (vx.dev = v), i++;
    else if (k === 'dstport') (vx.dstport = toInt(v)), i++;
    else if (k === 'srcport') i += 2;
  }
  for (const k of Object.keys(vx) as (keyof VxlanInfo)[]) if (vx[k] === undefined) delete vx[k];
  return vx;
}

function parseAddrLine(link: IpLinkRecord, tokens: string[], file: string, line: number): IpAddrRecord | undefined {
  const family = tokens[0] as 'inet' | 'inet6';
  const addr = tokens[1] ?? '';
  const slash = addr.indexOf('/');
  const address = slash === -1 ? addr : addr.slice(0, slash);
  if (ipFamily(address) === undefined) return undefined;
  let prefixLength = slash === -1 ? (family === 'inet' ? 32 : 128) : Number(addr.slice(slash + 1));
  const rec: IpAddrRecord = {
    kind: 'ip-addr', file, line, ifIndex: link.index, ifName: link.name, family, address, prefixLength,
    cidr: `${address}/${prefixLength}`, flags: [],
  };
  for (let i = 2; i < tokens.length; i++) {
    const k = tokens[i]!;
    const v = tokens[i + 1];
    if ((k === 'brd' || k === 'scope' || k === 'peer' || k === 'metric') && v !== undefined) {
      if (k === 'brd') rec.broadcast = v;
      else if (k === 'scope') rec.scope = v;
      else if (k === 'peer') {
        rec.peer = v;
        // Point-to-point: the prefix belongs to the peer.
        const ps = v.indexOf('/');
        if (ps !== -1) prefixLength = Number(v.slice(ps + 1));
      }
      i++;
    } else if (ADDR_FLAGS.has(k)) rec.flags.push(k);
    else if (i === tokens.length - 1) rec.label = k;
  }
  rec.prefixLength = prefixLength;
  rec.cidr = `${address}/${prefixLength}`;
  return rec;
}

/** `ip [-d] addr show` and `ip [-d] link show` text (the latter is the former without addresses). */
export const ipAddrParser: TextParser<IpLinkRecord | IpAddrRecord> = {
  id: 'ip-addr',
  parse(text: string, file: string): ParseResult<IpLinkRecord | IpAddrRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in ip output')] };
    const records: (IpLinkRecord | IpAddrRecord)[] = [];
    const problems: ParseProblem[] = [];
    let link: IpLinkRecord | undefined;
    let sawKind = false;
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      const h = LINK_HEADER.exec(raw);
      if (h) {
        link = newLink(file, lineNo, Number(h[1]), h[2]!, h[4] === '' ? [] : h[4]!.split(','));
        const at = h[3];
        if (at !== undefined && at !== 'NONE') {
          const idx = /^if(\d+)$/.exec(at);
          if (idx) link.peerIndex = Number(idx[1]);
          else link.parent = at;
        }
        applyHeaderPairs(link, h[5]!);
        records.push(link);
        sawKind = false;
        return;
      }
      const tokens = raw.trim().split(/\s+/);
      const first = tokens[0]!;
      if (!link || !/^\s/.test(raw)) {
        problems.push(problem(file, lineNo, 'not an ip addr/link line', raw));
        return;
      }
      if (first.startsWith('link/')) applyLinkLine(link, tokens);
      else if (first === 'inet' || first === 'inet6') {
        const addr = parseAddrLine(link, tokens, file, lineNo);
        if (addr) records.push(addr);
        else problems.push(problem(file, lineNo, 'unreadable address', raw));
      } else if (first === 'valid_lft') {
        // lifetimes: nothing a rule needs
      } else if (first === 'altname') link.altnames.push(tokens[1] ?? '');
      else if (first.endsWith('_slave')) {
        link.slaveKind = first.slice(0, -'_slave'.length);
        const st = tokens.indexOf('state');
        if (st !== -1 && link.slaveKind === 'bridge') link.bridgeSlaveState = tokens[st + 1];
      } else if (!sawKind && /^[a-z][a-z0-9_]*$/.test(first)) {
        sawKind = true;
        link.linkKind = first;
        if (first === 'vxlan') link.vxlan = parseVxlan(tokens);
      }
    });
    return { records, problems };
  },
};

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'anycast']);
const ROUTE_FLAGS = new Set(['linkdown', 'onlink', 'dead', 'pervasive', 'offload', 'trap', 'notify', 'rt_offload', 'rt_trap', 'offload_failed']);
const ROUTE_PAIRS = new Set(['via', 'dev', 'table', 'proto', 'scope', 'src', 'metric', 'mtu', 'pref', 'realm', 'expires', 'advmss', 'hoplimit', 'initcwnd', 'weight', 'from', 'tos', 'nhid', 'error', 'rtt', 'window', 'congctl', 'features', 'quickack', 'initrwnd', 'fastopen_no_cookie', 'encap', 'ttl-propagate', 'ssthresh', 'cwnd', 'rttvar', 'rto_min']);

function parseNexthop(tokens: string[]): IpRouteNexthop {
  const nh: IpRouteNexthop = {};
  for (let i = 1; i + 1 < tokens.length; i++) {
    const k = tokens[i]!;
    let v = tokens[i + 1]!;
    if (k === 'via' && (v === 'inet' || v === 'inet6')) v = tokens[++i + 1] ?? '';
    if (k === 'via') (nh.via = v), i++;
    else if (k === 'dev') (nh.dev = v), i++;
    else if (k === 'weight') (nh.weight = toInt(v)), i++;
  }
  return nh;
}

/** `ip route show [table all]` and `ip -6 route` text. */
export const ipRouteParser: TextParser<IpRouteRecord> = {
  id: 'ip-route',
  parse(text: string, file: string): ParseResult<IpRouteRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in ip route output')] };
    const records: IpRouteRecord[] = [];
    const problems: ParseProblem[] = [];
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      const tokens = raw.trim().split(/\s+/);
      if (tokens[0] === 'nexthop' && /^\s/.test(raw)) {
        const prev = records[records.length - 1];
        if (prev) prev.nexthops.push(parseNexthop(tokens));
        else problems.push(problem(file, lineNo, 'nexthop line without a route', raw));
        return;
      }
      let k = 0;
      let type = 'unicast';
      if (ROUTE_TYPES.has(tokens[0]!)) type = tokens[k++]!;
      const dst = tokens[k++];
      if (dst === undefined || !(dst === 'default' || ipFamily(dst.split('/')[0]!) !== undefined)) {
        problems.push(problem(file, lineNo, 'not an ip route line', raw));
        return;
      }
      const rec: IpRouteRecord = { kind: 'ip-route', file, line: lineNo, family: 4, type, dst, table: 'main', flags: [], nexthops: [] };
      for (; k < tokens.length; k++) {
        const key = tokens[k]!;
        if (ROUTE_FLAGS.has(key)) {
          rec.flags.push(key);
          continue;
        }
        if (key === 'nexthop') continue;
        if (!ROUTE_PAIRS.has(key)) continue;
        let v = tokens[k + 1];
        if (v === undefined) break;
        k++;
        if (key === 'via' && (v === 'inet' || v === 'inet6')) v = tokens[++k] ?? '';
        if (key === 'mtu' && v === 'lock') v = tokens[++k] ?? '';
        if (key === 'via') rec.via = v;
        else if (key === 'dev') rec.dev = v;
        else if (key === 'table') rec.table = v;
        else if (key === 'proto') rec.proto = v;
        else if (key === 'scope') rec.scope = v;
        else if (key === 'src') rec.src = v;
        else if (key === 'metric') rec.metric = toInt(v);
        else if (key === 'mtu') rec.mtu = toInt(v);
        else if (key === 'pref') rec.pref = v;
      }
      const probe = dst === 'default' ? rec.via ?? rec.src ?? '' : dst.split('/')[0]!;
      rec.family = ipFamily(probe) === 6 ? 6 : 4;
      for (const key of ['metric', 'mtu'] as const) if (rec[key] === undefined) delete rec[key];
      records.push(rec);
    });
    return { records, problems };
  },
};

const RULE_ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);

/** `ip rule` / `ip -6 rule` text. */
export const ipRuleParser: TextParser<IpRuleRecord> = {
  id: 'ip-rule',
  parse(text: string, file: string): ParseResult<IpRuleRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in ip rule output')] };
    const records: IpRuleRecord[] = [];
    const problems: ParseProblem[] = [];
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      const m = /^(\d+):\s+(.*)$/.exec(raw);
      if (!m) {
        problems.push(problem(file, lineNo, 'not an ip rule line', raw));
        return;
      }
      const rec: IpRuleRecord = { kind: 'ip-rule', file, line: lineNo, priority: Number(m[1]), not: false, action: 'lookup' };
      const t = m[2]!.trim().split(/\s+/);
      for (let k = 0; k < t.length; k++) {
        const key = t[k]!;
        const v = t[k + 1];
        if (key === 'not') rec.not = true;
        else if (RULE_ACTIONS.has(key)) rec.action = key;
        else if (v === undefined) break;
        else if (key === 'from') (rec.from = v), k++;
        else if (key === 'to') (rec.to = v), k++;
        else if (key === 'fwmark') (rec.fwmark = v), k++;
        else if (key === 'iif') (rec.iif = v), k++;
        else if (key === 'oif') (rec.oif = v), k++;
        else if (key === 'lookup' || key === 'table') (rec.table = v), (rec.action = 'lookup'), k++;
        else if (key === 'goto') (rec.table = v), (rec.action = 'goto'), k++;
      }
      records.push(rec);
    });
    return { records, problems };
  },
};

function linkFromJson(o: Record<string, unknown>, file: string, line: number): IpLinkRecord {
  const link = newLink(file, line, num(o['ifindex']) ?? 0, str(o['ifname']) ?? '', strList(o['flags']));
  const set = <K extends keyof IpLinkRecord>(k: K, v: IpLinkRecord[K] | undefined) => setIf(link, k, v);
  set('peerIndex', num(o['link_index']));
  set('parent', str(o['link']));
  set('mtu', num(o['mtu']));
  set('qdisc', str(o['qdisc']));
  set('master', str(o['master']));
  set('state', str(o['operstate']));
  set('mode', str(o['linkmode']));
  set('group', str(o['group']));
  set('qlen', num(o['txqlen']));
  set('linkType', str(o['link_type']));
  set('mac', str(o['address']));
  set('broadcast', str(o['broadcast']));
  set('linkNetnsId', num(o['link_netnsid']));
  set('promiscuity', num(o['promiscuity']));
  link.altnames = strList(o['altnames']);
  const info = obj(o['linkinfo']);
  set('linkKind', str(info['info_kind']));
  set('slaveKind', str(info['info_slave_kind']));
  if (link.slaveKind === 'bridge') set('bridgeSlaveState', str(obj(info['info_slave_data'])['state']));
  if (link.linkKind === 'vxlan') {
    const d = obj(info['info_data']);
    const vx: VxlanInfo = {};
    const id = num(d['id']);
    if (id !== undefined) vx.id = id;
    for (const [src, dst] of [['local', 'local'], ['remote', 'remote'], ['group', 'group'], ['link', 'dev']] as const) {
      const v = str(d[src]);
      if (v !== undefined) vx[dst] = v;
    }
    const port = num(d['port']);
    if (port !== undefined) vx.dstport = port;
    const learning = bool(d['learning']);
    if (learning !== undefined) vx.learning = learning;
    link.vxlan = vx;
  }
  return link;
}

/** `ip -j [-d] addr|link|route|rule`: the kind of each element is told by its keys. */
export const ipJsonParser: TextParser<IpRecord> = {
  id: 'ip-json',
  parse(text: string, file: string): ParseResult<IpRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in ip -j output')] };
    if (text.trim() === '') return { records: [], problems: [] };
    const doc = parseJsonDocument(text, [['*'], ['*', 'addr_info', '*']]);
    if (doc.error) return { records: [], problems: [problem(file, doc.error.line, `invalid JSON: ${doc.error.message}`, text.split('\n')[doc.error.line - 1])] };
    if (!Array.isArray(doc.value)) return { records: [], problems: [problem(file, 1, 'ip -j output is not a JSON array')] };
    const records: IpRecord[] = [];
    const problems: ParseProblem[] = [];
    doc.value.forEach((el, i) => {
      const line = lineOfPath(doc, [i]);
      if (!isObject(el)) {
        problems.push(problem(file, line, 'array element is not an object'));
        return;
      }
      if ('ifname' in el || 'ifindex' in el) {
        const link = linkFromJson(el, file, line);
        records.push(link);
        arr(el['addr_info']).forEach((a, j) => {
          const o = obj(a);
          const address = str(o['local']);
          const family = str(o['family']);
          if (!address || (family !== 'inet' && family !== 'inet6')) return;
          const prefixLength = num(o['prefixlen']) ?? (family === 'inet' ? 32 : 128);
          const rec: IpAddrRecord = {
            kind: 'ip-addr', file, line: lineOfPath(doc, [i, 'addr_info', j], line), ifIndex: link.index, ifName: link.name,
            family, address, prefixLength, cidr: `${address}/${prefixLength}`, flags: [],
          };
          const set = <K extends keyof IpAddrRecord>(k: K, v: IpAddrRecord[K] | undefined) => setIf(rec, k, v);
          set('broadcast', str(o['broadcast']));
          set('scope', str(o['scope']));
          set('label', str(o['label']));
          set('peer', str(o['address']));
          for (const f of ADDR_FLAGS) if (o[f] === true) rec.flags.push(f);
          records.push(rec);
        });
      } else if ('dst' in el) {
        const dst = str(el['dst']) ?? '';
        const rec: IpRouteRecord = {
          kind: 'ip-route', file, line, family: 4, type: str(el['type']) ?? 'unicast', dst,
          table: str(el['table']) ?? 'main', flags: strList(el['flags']), nexthops: [],
        };
        const set = <K extends keyof IpRouteRecord>(k: K, v: IpRouteRecord[K] | undefined) => setIf(rec, k, v);
        set('via', str(el['gateway']));
        set('dev', str(el['dev']));
        set('proto', str(el['protocol']));
        set('scope', str(el['scope']));
        set('src', str(el['prefsrc']));
        set('metric', num(el['metric']));
        set('pref', str(el['pref']));
        for (const nh of arr(el['nexthops'])) {
          const o = obj(nh);
          const n: IpRouteNexthop = {};
          const via = str(o['gateway']);
          if (via) n.via = via;
          const dev = str(o['dev']);
          if (dev) n.dev = dev;
          const w = num(o['weight']);
          if (w !== undefined) n.weight = w;
          rec.nexthops.push(n);
        }
        const probe = dst === 'default' ? rec.via ?? rec.src ?? '' : dst.split('/')[0]!;
        rec.family = ipFamily(probe) === 6 ? 6 : 4;
        records.push(rec);
      } else if ('priority' in el) {
        const rec: IpRuleRecord = { kind: 'ip-rule', file, line, priority: num(el['priority']) ?? 0, not: el['not'] !== undefined, action: 'lookup' };
        const src = str(el['src']);
        if (src) rec.from = el['srclen'] !== undefined ? `${src}/${String(el['srclen'])}` : src;
        const dst = str(el['dst']);
        if (dst) rec.to = el['dstlen'] !== undefined ? `${dst}/${String(el['dstlen'])}` : dst;
        const mark = str(el['fwmark']);
        if (mark) rec.fwmark = el['fwmask'] !== undefined ? `${mark}/${String(el['fwmask'])}` : mark;
        const iif = str(el['iif']);
        if (iif) rec.iif = iif;
        const oif = str(el['oif']);
        if (oif) rec.oif = oif;
        const table = str(el['table']);
        if (table) rec.table = table;
        const action = str(el['action']);
        if (action) rec.action = action;
        records.push(rec);
      } else {
        problems.push(problem(file, line, 'unrecognized ip -j element (no ifname, dst or priority)'));
      }
    });
    return { records, problems };
  },
};
