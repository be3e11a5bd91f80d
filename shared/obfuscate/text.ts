/**
 * Pseudonymizes (or restores) one line: addresses through the keyed prefix-preserving map,
 * names through the name table. One left-to-right scan finds the addresses first (IPv4 and
 * CIDRs, IPv6, AWS `ip-10-0-1-5` host labels, and the bridge plugin's `0a:58:<IPv4>` MACs, which
 * spell the address in hex); the text between them is cut into DNS labels, each looked up once.
 * Output is never scanned again, so a pseudonym is never mapped twice.
 */
import { rewriteBase64Json } from '../redact/nested.js';
import { rewriteText } from '../redact/lines.js';
import type { AddressMapper, Direction } from './ip.js';

const OCT = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
/** Not glued to a word: a letter before the token only counts when it is not a `\n`-style escape. */
const NOT_IN_WORD = String.raw`(?<!(?<!\\)[A-Za-z])`;
const ADDRESS_SCAN = new RegExp(
  [
    String.raw`(?<mac>(?<![0-9A-Fa-f:])0a:58:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?![0-9A-Fa-f:]))`,
    String.raw`(?<ipdash>(?<![0-9])${NOT_IN_WORD}ip-${OCT}-${OCT}-${OCT}-${OCT}(?![0-9]))`,
    String.raw`(?<v6>(?<![0-9:.])${NOT_IN_WORD}(?:[0-9A-Fa-f]{0,4}:){2,7}(?:${OCT}(?:\.${OCT}){3}|[0-9A-Fa-f]{1,4})?(?:\/\d{1,3}(?!\d))?(?![0-9A-Za-z:]))`,
    String.raw`(?<v4>(?<![0-9.])${NOT_IN_WORD}${OCT}(?:\.${OCT}){3}(?:\/(?:3[0-2]|[12]?\d)(?!\d))?(?![0-9]|\.\d))`,
  ].join('|'),
  'g',
);
/** A DNS label, or an escape (`\n`, `\"`) that separates labels inside a JSON string. */
const LABELS = /\\[nrt"\\/]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/g;
/** Calico endpoint names double the dashes of each part: `node--1-k8s-web--0-eth0`. */
const SINGLE_DASH = /(?<!-)-(?!-)/;

export interface TokenHandlers {
  /** A replacement for an address token (`10.0.0.1`, `10.0.0.0/8`, `fd00::1/64`), or null to keep it. */
  address(token: string, kind: 'v4' | 'v6'): string | null;
  /** A replacement for a DNS label, or undefined to keep it. */
  label(label: string): string | undefined;
}

function macToV4(mac: string): string {
  return mac
    .split(':')
    .slice(2)
    .map((h) => parseInt(h, 16))
    .join('.');
}

function v4ToMacTail(v4: string): string {
  return v4
    .split('.')
    .map((n) => Number(n).toString(16).padStart(2, '0'))
    .join(':');
}

function mapLabel(label: string, handlers: TokenHandlers): string | undefined {
  const direct = handlers.label(label);
  if (direct !== undefined) return direct;
  if (label.includes('-k8s-')) {
    const parts = label.split(SINGLE_DASH);
    if (parts.length === 4 && parts[1] === 'k8s') {
      const unescape = (p: string) => p.replace(/--/g, '-');
      const escape = (p: string) => p.replace(/-/g, '--');
      const node = handlers.label(unescape(parts[0]!));
      const pod = handlers.label(unescape(parts[2]!));
      if (node !== undefined || pod !== undefined) {
        return [node !== undefined ? escape(node) : parts[0]!, 'k8s', pod !== undefined ? escape(pod) : parts[2]!, parts[3]!].join('-');
      }
    }
  }
  return undefined;
}

/** Keeps kubectl's space-padded columns aligned when a token changes length. */
class Assembler {
  private readonly parts: string[] = [];
  private drift = 0;

  token(original: string, replacement: string): void {
    this.parts.push(replacement);
    this.drift += replacement.length - original.length;
  }

  text(text: string): void {
    if (this.drift !== 0) {
      const run = /^ {2,}/.exec(text);
      if (run) {
        const width = run[0].length;
        const next = Math.max(1, width - this.drift);
        this.drift -= width - next;
        this.parts.push(' '.repeat(next) + text.slice(width));
        return;
      }
    }
    this.parts.push(text);
  }

  toString(): string {
    return this.parts.join('');
  }
}

function rewriteLabels(text: string, handlers: TokenHandlers, out: Assembler): void {
  let last = 0;
  LABELS.lastIndex = 0;
  for (let m = LABELS.exec(text); m; m = LABELS.exec(text)) {
    if (m[0].startsWith('\\')) continue;
    const replacement = mapLabel(m[0], handlers);
    if (replacement === undefined) continue;
    out.text(text.slice(last, m.index));
    out.token(m[0], replacement);
    last = m.index + m[0].length;
  }
  out.text(text.slice(last));
}

function replaceAddress(groups: Record<string, string | undefined>, whole: string, handlers: TokenHandlers): string | null {
  if (groups.mac !== undefined) {
    const mapped = handlers.address(macToV4(whole), 'v4');
    return mapped === null ? null : `${whole.slice(0, 6)}${v4ToMacTail(mapped)}`;
  }
  if (groups.ipdash !== undefined) {
    const mapped = handlers.address(whole.slice(3).replace(/-/g, '.'), 'v4');
    return mapped === null ? null : `ip-${mapped.replace(/\./g, '-')}`;
  }
  if (groups.v6 !== undefined) return handlers.address(whole, 'v6');
  return handlers.address(whole, 'v4');
}

/** One line through the handlers: addresses, then the labels between them. */
export function rewriteTokens(line: string, handlers: TokenHandlers): string {
  const out = new Assembler();
  let last = 0;
  ADDRESS_SCAN.lastIndex = 0;
  for (let m = ADDRESS_SCAN.exec(line); m; m = ADDRESS_SCAN.exec(line)) {
    const replacement = replaceAddress(m.groups ?? {}, m[0], handlers);
    if (replacement === null) continue;
    rewriteLabels(line.slice(last, m.index), handlers, out);
    out.token(m[0], replacement);
    last = m.index + m[0].length;
  }
  rewriteLabels(line.slice(last), handlers, out);
  return out.toString();
}

const MAX_RECORDED = 200_000;

/** A line rewriter for one direction, with the address table it filled (for the mapping file). */
export class TextMapper {
  /** Address text as found → as written, for the mapping file (deobfuscation without the key). */
  readonly addresses = new Map<string, string>();
  /** Addresses repeat thousands of times in a bundle; each is computed once. */
  private readonly computed = new Map<string, string | null>();
  private readonly handlers: TokenHandlers;

  constructor(
    private readonly addressMapper: AddressMapper,
    label: (label: string) => string | undefined,
    readonly direction: Direction = 'map',
    /** Addresses looked up before computing (deobfuscation without the key uses only this). */
    private readonly table?: ReadonlyMap<string, string>,
    private readonly computeAddresses = true,
  ) {
    this.handlers = {
      label,
      address: (token, kind) => this.address(token, kind),
    };
  }

  private address(token: string, kind: 'v4' | 'v6'): string | null {
    const known = this.table?.get(token);
    if (known !== undefined) return known;
    if (!this.computeAddresses) return null;
    // Clock times (10:15:00) look like IPv6 candidates; a real IPv6 address has "::" or seven colons.
    if (kind === 'v6' && !token.includes('::') && (token.match(/:/g)?.length ?? 0) < 7) return null;
    const cached = this.computed.get(token);
    if (cached !== undefined) return cached;
    const result = this.compute(token, kind);
    if (this.computed.size >= MAX_RECORDED) this.computed.clear();
    this.computed.set(token, result);
    return result;
  }

  private compute(token: string, kind: 'v4' | 'v6'): string | null {
    const out = kind === 'v4' ? this.addressMapper.mapV4Text(token, this.direction) : this.addressMapper.mapV6Text(token, this.direction);
    // Identity blocks (loopback, link-local, multicast) come back unchanged: nothing to record.
    if (out === null || out === token) return null;
    if (this.direction === 'map' && this.addresses.size < MAX_RECORDED) this.addresses.set(token, out);
    return out;
  }

  line(text: string): string {
    const inner = rewriteBase64Json(text, (decoded) => rewriteText(decoded, (l) => this.line(l)));
    return rewriteTokens(inner, this.handlers);
  }

  text(text: string): string {
    return rewriteText(text, (l) => this.line(l));
  }
}

