import { describe, expect, it } from 'vitest';
import { nftRulesetParser } from '../../../analyzer/parsers/nft-ruleset.js';

// The shape nft 1.0.6 prints for the lab's iptables-nft state plus a native table.
const RULESET = `# Warning: table ip nat is managed by iptables-nft, do not touch!
table ip nat {
	chain PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
	}

	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.99.0.10 counter packets 0 bytes 0 jump CNI-862118f626f72fef1c9515c2
	}

	chain CNI-862118f626f72fef1c9515c2 {
		ip daddr 10.99.0.0/24 counter packets 0 bytes 0 accept
		ip daddr != 224.0.0.0/4 counter packets 0 bytes 0 masquerade
	}
}
table inet cilium {
	set s {
		type ipv4_addr
		elements = { 1.2.3.4,
			     5.6.7.8 }
	}

	chain in {
		type filter hook input priority filter - 5; policy drop;
		ip saddr @s counter packets 0 bytes 0 drop comment "hello { world"
	}

	chain ingress {
		type filter hook ingress device "eth0" priority -500; policy accept;
	}
}
`;

describe('nft list ruleset', () => {
  const { records, problems } = nftRulesetParser.parse(RULESET, 'nodes/n1/net/nft-ruleset.txt');

  it('tables with counts and the iptables-nft marker', () => {
    expect(problems).toEqual([]);
    expect(records.filter((r) => r.kind === 'nft-table')).toEqual([
      { kind: 'nft-table', file: 'nodes/n1/net/nft-ruleset.txt', line: 2, family: 'ip', name: 'nat', chainCount: 3, setCount: 0, ruleCount: 3, managedByIptablesNft: true },
      { kind: 'nft-table', file: 'nodes/n1/net/nft-ruleset.txt', line: 17, family: 'inet', name: 'cilium', chainCount: 2, setCount: 1, ruleCount: 1, managedByIptablesNft: false },
    ]);
  });

  it.each([
    ['PREROUTING', { line: 3, type: 'nat', hook: 'prerouting', priority: 'dstnat', policy: 'accept', ruleCount: 0 }],
    ['POSTROUTING', { line: 7, hook: 'postrouting', priority: 'srcnat', ruleCount: 1 }],
    ['CNI-862118f626f72fef1c9515c2', { line: 12, ruleCount: 2 }],
    ['in', { line: 24, family: 'inet', table: 'cilium', type: 'filter', hook: 'input', priority: 'filter - 5', policy: 'drop', ruleCount: 1 }],
    ['ingress', { line: 29, hook: 'ingress', device: 'eth0', priority: '-500' }],
  ])('chain %s', (name, expected) => {
    expect(records.find((r) => r.kind === 'nft-chain' && r.name === name)).toMatchObject(expected);
  });

  it('a regular chain has no hook', () => {
    expect(records.find((r) => r.kind === 'nft-chain' && r.name === 'CNI-862118f626f72fef1c9515c2')).not.toHaveProperty('hook');
  });

  it.each([
    ['cut off inside a chain', 'table ip nat {\n\tchain POSTROUTING {\n\t\tmasquerade\n', [3], 'cut off'],
    ['garbage at top level', 'hello\n', [1], 'expected a table declaration'],
    ['unexpected line in a table', 'table ip t {\n\tfoo bar\n}\n', [2], 'unexpected line in a table body'],
    ['binary', '\u0000\u0000', [0], 'binary'],
  ])('bad input: %s', (_n, text, lines, message) => {
    const out = nftRulesetParser.parse(text, 'nft.txt');
    expect(out.problems.map((p) => p.line)).toEqual(lines);
    expect(out.problems[0]!.message).toContain(message);
  });

  it('empty ruleset', () => {
    expect(nftRulesetParser.parse('', 'nft.txt')).toEqual({ records: [], problems: [] });
  });
});
