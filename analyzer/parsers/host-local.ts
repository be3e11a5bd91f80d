/**
 * host-local IPAM's on-disk store, <dataDir>/<network>/ (default /var/lib/cni/networks):
 *
 *   <ip>                 the reservation: "<containerID>\r\n<ifname>" (plugins ≥ 0.8; the \r\n is
 *                        host-local's own separator), or just "<containerID>" from older plugins
 *   last_reserved_ip.<n> the last IP handed out from range set n
 *   lock                 the flock file, empty
 *
 * The IP and the network are in the path, not the content, so the parser reads `file` too:
 * `…/networks/cbr0/10.244.1.2` is a reservation of 10.244.1.2 in network cbr0. Leaked
 * reservations (a file whose container no longer exists) are the usual "no IP addresses
 * available in range set" cause; rules compare containerId with the runtime's sandboxes.
 */
import type { ParseResult, TextParser } from './types.js';
import { ipFamily } from './lib/net.js';
import { baseName, looksBinary, problem } from './lib/text.js';

interface HostLocalBase {
  file: string;
  line: number;
  /** The directory name: the CNI network name. */
  network: string;
}

export interface HostLocalReservation extends HostLocalBase {
  kind: 'host-local-reservation';
  ip: string;
  family: 4 | 6;
  containerId?: string;
  ifName?: string;
  /** two-line: ID and ifname; one-line: ID only (old plugins); empty: a 0-byte file. */
  format: 'two-line' | 'one-line' | 'empty';
  lineEnding: 'crlf' | 'lf' | 'none';
}

export interface HostLocalLastReserved extends HostLocalBase {
  kind: 'host-local-last-reserved';
  rangeIndex: number;
  ip?: string;
}

export interface HostLocalLock extends HostLocalBase {
  kind: 'host-local-lock';
  size: number;
}

export type HostLocalRecord = HostLocalReservation | HostLocalLastReserved | HostLocalLock;

function networkOf(file: string): string {
  const parts = file.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : '';
}

export const hostLocalParser: TextParser<HostLocalRecord> = {
  id: 'host-local',
  parse(text: string, file: string): ParseResult<HostLocalRecord> {
    const name = baseName(file);
    const network = networkOf(file);
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in a host-local store file')] };
    if (name === 'lock') {
      return { records: [{ kind: 'host-local-lock', file, line: 0, network, size: text.length }], problems: [] };
    }
    const last = /^last_reserved_ip\.(\d+)$/.exec(name);
    if (last) {
      const ip = text.trim();
      const rec: HostLocalLastReserved = { kind: 'host-local-last-reserved', file, line: 1, network, rangeIndex: Number(last[1]) };
      if (ip === '') return { records: [{ ...rec, line: 0 }], problems: [problem(file, 0, 'empty last_reserved_ip file')] };
      if (ipFamily(ip) === undefined) return { records: [rec], problems: [problem(file, 1, 'last_reserved_ip does not hold an IP address', text)] };
      return { records: [{ ...rec, ip }], problems: [] };
    }
    const family = ipFamily(name);
    if (family === undefined) {
      return { records: [], problems: [problem(file, 0, `not a host-local store file name (expected an IP, last_reserved_ip.N or lock): ${name}`)] };
    }
    const lineEnding = text.includes('\r\n') ? 'crlf' : text.includes('\n') ? 'lf' : 'none';
    const lines = text.split(/\r?\n/);
    const id = lines[0]?.trim() ?? '';
    const ifName = lines[1]?.trim() ?? '';
    const rec: HostLocalReservation = { kind: 'host-local-reservation', file, line: 1, network, ip: name, family, format: 'one-line', lineEnding };
    if (id === '') {
      return {
        records: [{ ...rec, line: 0, format: 'empty' }],
        problems: [problem(file, 0, 'empty reservation file: the IP is held but no container is recorded')],
      };
    }
    rec.containerId = id;
    if (ifName !== '') {
      rec.ifName = ifName;
      rec.format = 'two-line';
    }
    const extra = lines.slice(2).findIndex((l) => l.trim() !== '');
    const problems = extra === -1 ? [] : [problem(file, extra + 3, 'unexpected extra line in a reservation file', lines[extra + 2])];
    return { records: [rec], problems };
  },
};
