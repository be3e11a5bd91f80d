/**
 * flannel's /run/flannel/subnet.env, read by the flannel CNI plugin on every ADD:
 *
 *   FLANNEL_NETWORK=10.244.0.0/16
 *   FLANNEL_SUBNET=10.244.7.1/24
 *   FLANNEL_MTU=1450
 *   FLANNEL_IPMASQ=true
 *
 * (plus FLANNEL_IPV6_NETWORK / FLANNEL_IPV6_SUBNET on dual-stack). The plugin needs a network and a
 * subnet of at least one family; `missing` lists what it would complain about, and each value
 * keeps its line so a rule can cite "FLANNEL_SUBNET=10.244.7.1/24 at line 2" against cni0's address.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines } from './lib/text.js';
import { setIf } from './lib/values.js';

export interface SubnetEnvVar {
  value: string;
  line: number;
}

export interface SubnetEnvRecord {
  kind: 'subnet-env';
  file: string;
  line: number;
  network?: string;
  subnet?: string;
  ipv6Network?: string;
  ipv6Subnet?: string;
  mtu?: number;
  ipmasq?: boolean;
  /** Every KEY=VALUE in the file, with its line (a repeated key keeps the last). */
  vars: Record<string, SubnetEnvVar>;
  /** Keys the flannel plugin requires and the file lacks. */
  missing: string[];
}

export const subnetEnvParser: TextParser<SubnetEnvRecord> = {
  id: 'subnet-env',
  parse(text: string, file: string): ParseResult<SubnetEnvRecord> {
    const problems: ParseProblem[] = [];
    const rec: SubnetEnvRecord = { kind: 'subnet-env', file, line: 0, vars: {}, missing: [] };
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in subnet.env')] };
    const { lines } = splitLines(text);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      const key = eq > 0 ? line.slice(0, eq).replace(/^export\s+/, '').trim() : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        problems.push(problem(file, i + 1, 'not a KEY=VALUE line', raw));
        return;
      }
      rec.vars[key] = { value: line.slice(eq + 1).trim(), line: i + 1 };
    });
    const v = (k: string) => rec.vars[k]?.value;
    const set = <K extends keyof SubnetEnvRecord>(k: K, val: SubnetEnvRecord[K] | undefined) => setIf(rec, k, val);
    set('network', v('FLANNEL_NETWORK'));
    set('subnet', v('FLANNEL_SUBNET'));
    set('ipv6Network', v('FLANNEL_IPV6_NETWORK'));
    set('ipv6Subnet', v('FLANNEL_IPV6_SUBNET'));
    const mtu = v('FLANNEL_MTU');
    if (mtu !== undefined) {
      if (/^\d+$/.test(mtu)) rec.mtu = Number(mtu);
      else problems.push(problem(file, rec.vars['FLANNEL_MTU']!.line, `FLANNEL_MTU is not a number: ${mtu}`));
    }
    const masq = v('FLANNEL_IPMASQ');
    if (masq !== undefined) {
      if (masq === 'true' || masq === 'false') rec.ipmasq = masq === 'true';
      else problems.push(problem(file, rec.vars['FLANNEL_IPMASQ']!.line, `FLANNEL_IPMASQ is not true/false: ${masq}`));
    }
    // The plugin accepts either family, but a family it has must be complete.
    const has4 = rec.network !== undefined || rec.subnet !== undefined;
    const has6 = rec.ipv6Network !== undefined || rec.ipv6Subnet !== undefined;
    if (!has4 && !has6) rec.missing.push('FLANNEL_NETWORK', 'FLANNEL_SUBNET');
    if (has4 && rec.network === undefined) rec.missing.push('FLANNEL_NETWORK');
    if (has4 && rec.subnet === undefined) rec.missing.push('FLANNEL_SUBNET');
    if (has6 && rec.ipv6Network === undefined) rec.missing.push('FLANNEL_IPV6_NETWORK');
    if (has6 && rec.ipv6Subnet === undefined) rec.missing.push('FLANNEL_IPV6_SUBNET');
    return { records: [rec], problems };
  },
};
