import { describe, expect, it } from 'vitest';
import { conntrackStatsParser } from '../../../analyzer/parsers/conntrack-stats.js';
import { fixture } from './helpers.js';

describe('conntrack -S', () => {
  it('real lab output: two CPUs (tab after cpu=N) and a total', () => {
    const { records, problems } = conntrackStatsParser.parse(fixture('a-exhausted.conntrack-S.txt'), 'nodes/n1/net/conntrack-stats.txt');
    expect(problems).toEqual([]);
    const zero = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, error: 0, search_restart: 0, clash_resolve: 0, chaintoolong: 0 };
    expect(records).toEqual([
      { kind: 'conntrack-cpu', file: 'nodes/n1/net/conntrack-stats.txt', line: 1, cpu: 0, counters: zero },
      { kind: 'conntrack-cpu', file: 'nodes/n1/net/conntrack-stats.txt', line: 2, cpu: 1, counters: zero },
      { kind: 'conntrack-total', file: 'nodes/n1/net/conntrack-stats.txt', line: 0, cpus: 2, counters: zero },
    ]);
  });

  it.each([
    [
      'older kernel counters are summed',
      'cpu=0           found=0 invalid=12 ignore=0 insert=0 insert_failed=3 drop=3 early_drop=0 error=0 search_restart=0\ncpu=1           found=1 invalid=4 ignore=2 insert=0 insert_failed=1 drop=1 early_drop=0 error=0 search_restart=7\n',
      { found: 1, invalid: 16, ignore: 2, insert: 0, insert_failed: 4, drop: 4, early_drop: 0, error: 0, search_restart: 7 },
    ],
  ])('%s', (_n, text, total) => {
    const { records } = conntrackStatsParser.parse(text, 'ct.txt');
    expect(records.at(-1)).toEqual({ kind: 'conntrack-total', file: 'ct.txt', line: 0, cpus: 2, counters: total });
    expect(records[0]).toMatchObject({ line: 1, cpu: 0, counters: { invalid: 12, insert_failed: 3 } });
  });

  it.each([
    ['tool error', 'conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not permitted\n', [1]],
    ['cut-off line', 'cpu=0 found=0 invalid=1\ncpu=1 found=0 inva', [2]],
    ['binary', '\u0000\u0001\u0002', [0]],
  ])('bad input: %s', (_n, text, lines) => {
    const { problems, records } = conntrackStatsParser.parse(text, 'ct.txt');
    expect(problems.map((p) => p.line)).toEqual(lines);
    expect(records.filter((r) => r.kind === 'conntrack-cpu').map((r) => r.line)).not.toContain(lines[0]);
  });
});
