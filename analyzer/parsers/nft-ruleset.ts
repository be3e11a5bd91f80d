/**
 * `nft list ruleset`: tables with their chains (type, hook, priority, policy) and rule counts.
 * Tables written by iptables-nft are preceded by `# Warning: table ip nat is managed by
 * iptables-nft, do not touch!`; that marks the backend the CNI's iptables calls went to. Sets,
 * maps, flowtables and other objects are skipped by brace depth, so multi-line `elements = { … }`
 * do not count as rules.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines } from './lib/text.js';

export interface NftTableRecord {
  kind: 'nft-table';
  file: string;
  line: number;
  family: string;
  name: string;
  chainCount: number;
  setCount: number;
  ruleCount: number;
  managedByIptablesNft: boolean;
}

export interface NftChainRecord {
  kind: 'nft-chain';
  file: string;
  line: number;
  family: string;
  table: string;
  name: string;
  /** Base chains only: filter, nat, route. */
  type?: string;
  hook?: string;
  /** As written: `srcnat`, `filter - 5`, `-100`. */
  priority?: string;
  policy?: string;
  device?: string;
  ruleCount: number;
}

export type NftRecord = NftTableRecord | NftChainRecord;

/** Brace depth change of a line, ignoring braces inside quoted strings. */
function braceDelta(line: string): number {
  let d = 0;
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && q) i++;
    else if (c === '"') q = !q;
    else if (!q && c === '{') d++;
    else if (!q && c === '}') d--;
  }
  return d;
}

export const nftRulesetParser: TextParser<NftRecord> = {
  id: 'nft-ruleset',
  parse(text: string, file: string): ParseResult<NftRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in nft output')] };
    const records: NftRecord[] = [];
    const problems: ParseProblem[] = [];
    let table: NftTableRecord | undefined;
    let chain: NftChainRecord | undefined;
    /** Depth inside the current table: 1 = table body, 2 = chain/set body, more = nested. */
    let depth = 0;
    let inChainBody = false;
    let pendingManaged: { family: string; name: string } | undefined;
    const lines = splitLines(text).lines;
    lines.forEach((raw, i) => {
      const lineNo = i + 1;
      const line = raw.trim();
      if (line === '') return;
      if (line.startsWith('#')) {
        const m = /^# Warning: table (\S+) (\S+) is managed by iptables-nft/.exec(line);
        if (m) pendingManaged = { family: m[1]!, name: m[2]! };
        return;
      }
      const delta = braceDelta(line);
      if (depth === 0) {
        const m = /^table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?(\S+)\s*\{$/.exec(line);
        if (!m) {
          problems.push(problem(file, lineNo, 'expected a table declaration', raw));
          return;
        }
        const family = m[1] ?? 'ip';
        const name = m[2]!;
        table = {
          kind: 'nft-table', file, line: lineNo, family, name, chainCount: 0, setCount: 0, ruleCount: 0,
          managedByIptablesNft: pendingManaged?.family === family && pendingManaged.name === name,
        };
        pendingManaged = undefined;
        records.push(table);
        depth = 1;
        return;
      }
      if (depth === 1) {
        if (line === '}') {
          depth = 0;
          table = undefined;
          return;
        }
        const m = /^(chain|set|map|flowtable|counter|quota|ct\s+\S+|limit|secmark|synproxy)\s+(\S+)\s*\{/.exec(line);
        if (m && table) {
          if (m[1] === 'chain') {
            chain = { kind: 'nft-chain', file, line: lineNo, family: table.family, table: table.name, name: m[2]!, ruleCount: 0 };
            table.chainCount++;
            records.push(chain);
            inChainBody = true;
          } else {
            if (m[1] === 'set' || m[1] === 'map') table.setCount++;
            inChainBody = false;
          }
          depth += delta;
          if (depth === 1) {
            chain = undefined;
            inChainBody = false;
          }
          return;
        }
        problems.push(problem(file, lineNo, 'unexpected line in a table body', raw));
        depth = Math.max(1, depth + delta);
        return;
      }
      // depth >= 2: inside a chain, set or other object
      if (depth === 2 && inChainBody && chain && table) {
        if (line === '}') {
          depth = 1;
          chain = undefined;
          inChainBody = false;
          return;
        }
        const base = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+"?([^"\s;]+)"?)?\s+priority\s+([^;]+);(?:\s*policy\s+(\w+);)?/.exec(line);
        if (base) {
          chain.type = base[1]!;
          chain.hook = base[2]!;
          if (base[3]) chain.device = base[3];
          chain.priority = base[4]!.trim();
          if (base[5]) chain.policy = base[5];
        } else if (/^policy\s+\w+;$/.test(line)) {
          chain.policy = line.slice(7, -1);
        } else if (!/^comment\s/.test(line)) {
          chain.ruleCount++;
          table.ruleCount++;
        }
        depth += delta;
        return;
      }
      depth += delta;
      if (depth < 1) {
        problems.push(problem(file, lineNo, 'unbalanced closing brace', raw));
        depth = 0;
        table = undefined;
      } else if (depth === 1) {
        chain = undefined;
        inChainBody = false;
      }
    });
    if (depth > 0) problems.push(problem(file, lines.length, 'ruleset ends inside an open block: the output is cut off'));
    return { records, problems };
  },
};
