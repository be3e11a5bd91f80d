import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../analyzer/model.js';
import { codeSpan, fenced, mdText, renderMarkdown } from '../../../analyzer/reports/markdown.js';
import { FIXTURES, HOSTILE_POD, flannelConflict, healthy, nodeOnly, type FixtureName } from './fixtures.js';

const fixtureNames = Object.keys(FIXTURES) as FixtureName[];

/** Splits a table row the way GFM's cell scanner does: `\` escapes the next punctuation mark. */
function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let current = '';
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i]!;
    if (ch === '\\' && i + 1 < body.length && /[!-/:-@[-`{-~]/.test(body[i + 1]!)) {
      current += ch + body[i + 1]!;
      i += 1;
    } else if (ch === '|') {
      cells.push(current);
      current = '';
    } else current += ch;
  }
  cells.push(current);
  // GFM unescapes `\|` inside a cell before parsing it (also inside code spans).
  return cells.map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** What a reader sees in a cell: a code span's content verbatim, escaped prose unescaped. */
function shownCell(cell: string): string {
  const code = /^(`+) ?(.*?) ?\1$/.exec(cell);
  if (code) return code[2]!;
  return cell.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

function tables(markdown: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) current.push(line);
    else if (current.length > 0) {
      blocks.push(current);
      current = [];
    }
  }
  return blocks;
}

/** Markdown with code spans and fenced blocks (also those indented in a list item) removed: what a renderer parses as markup. */
function outsideCode(markdown: string): string {
  return markdown
    .replace(/^( *)(`{3,})[^\n]*\n[\s\S]*?^\1\2$/gm, '')
    .replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
}

describe('markdown report: the summary a support engineer pastes', () => {
  it.each<[FixtureName, string[]]>([
    [
      'flannelConflict',
      [
        '**cni-evidence: 2 failing pods diagnosed** · 3 findings (1 critical, 1 warning, 1 info)',
        '',
        '- `shop/checkout-7d9c5b8f6-x2k4p` on `node-2`: **Bridge cni0 has an address from an old pod subnet** (critical, high confidence). Next: Delete cni0 on node-2 (the bridge plugin recreates it as 10.244.1.1/24 for the next pod), then delete the failing pods. `ssh node-2 sudo ip link delete cni0`',
        '- `kube-system/coredns-5d78c9869d-qlm8v` on `node-2`: **Bridge cni0 has an address from an old pod subnet** (critical, high confidence). Same cause as `shop/checkout-7d9c5b8f6-x2k4p`.',
      ],
    ],
    [
      'nodeOnly',
      [
        '**cni-evidence: 1 node-level problem** · 3 findings (1 critical, 1 warning, 1 info)',
        '',
        '- node `worker-7` (no failing pod): **kube-proxy and Calico write to different iptables backends** (critical, high confidence). Next: Pin Calico to the iptables backend kube-proxy uses (legacy). `kubectl -n calico-system set env daemonset/calico-node FELIX_IPTABLESBACKEND=Legacy`',
      ],
    ],
    ['healthy', ['**cni-evidence: No problem found** · 1 finding (1 info)', '', 'No failing pod and no critical or warning finding. Ran 41 rules over 96 files (5120 records) from 2 nodes (node-5e21, node-a0c4) in 0.4 s.']],
  ])('%s: starts with the verdict and one line per diagnosis', (name, expected) => {
    const markdown = renderMarkdown(FIXTURES[name]);
    expect(markdown.split('\n').slice(0, expected.length)).toEqual(expected);
    const firstHeading = markdown.search(/^#/m);
    expect(firstHeading).toBeGreaterThan(markdown.indexOf(expected.at(-1)!));
  });

  it.each<[string, AnalysisResult, string]>([
    ['redaction', flannelConflict, 'Redacted: secrets replaced; node and pod names and addresses are the real ones.'],
    ['pseudonymization', healthy, 'Redacted: secrets replaced; node, pod and address names pseudonymized.'],
    ['integrity problems, loudly', nodeOnly, '> **⚠ INTEGRITY: 1 file does not match the manifest; treat that evidence with suspicion**'],
    ['a partial bundle, loudly', nodeOnly, '> **⚠ PARTIAL: the collection stopped early (interrupted (SIGINT) after 41 of 58 artifacts); missing evidence may hide the cause**'],
  ])('states %s before the details', (_what, result, expected) => {
    const markdown = renderMarkdown(result);
    expect(markdown.indexOf(expected)).toBeGreaterThan(0);
    expect(markdown.indexOf(expected)).toBeLessThan(markdown.search(/^#/m));
  });
});

describe('markdown report: details', () => {
  it.each<[string, AnalysisResult, string]>([
    ['a chain step with its proof', flannelConflict, '| 5 | Node state | cni0 on node-2 still has 10.244.7.1/24 from an earlier flannel lease | `nodes/node-2/net/ip-addr.txt:7` |'],
    ['a citation with its excerpt', flannelConflict, '| `nodes/node-2/net/ip-addr.txt:7` | `inet 10.244.7.1/24 brd 10.244.7.255 scope global cni0` |'],
    [
      'a step with a command as its text, then a fenced sh block inside the list item',
      flannelConflict,
      '**Remediation:**\n\n1. Delete the stale bridge on node-2; the bridge plugin recreates it with 10.244.1.1/24.\n   ```sh\n   ssh node-2 sudo ip link delete cni0\n   ```\n2. Delete the failing checkout pod',
    ],
    [
      'a text-only step as prose, not in a code block',
      flannelConflict,
      '   ```sh\n   ssh node-2 ls /var/lib/cni/networks/cbr0\n   ```\n2. Remove reservations outside 10.244.1.0/24 from that folder.\n\n**To confirm, collect:**',
    ],
    [
      'the next step: text, then its command as a fenced sh block',
      flannelConflict,
      '**Next step:**\n\nDelete cni0 on node-2 (the bridge plugin recreates it as 10.244.1.1/24 for the next pod), then delete the failing pods.\n```sh\nssh node-2 sudo ip link delete cni0\n```\n',
    ],
    ['a hostile pod name in a command kept verbatim in its block', nodeOnly, "   ```sh\n   kubectl -n default describe pod '<script>alert(1)</script>'\n   ```"],
    ['the forbidden gap', flannelConflict, '| `cluster/logs/kube-flannel/kube-flannel-ds-8x7kq/kube-flannel.log` |  | forbidden | pods "kube-flannel-ds-8x7kq" is forbidden'],
    ['the truncated journal', flannelConflict, '| `nodes/node-2/journal/kubelet.log` | `node-2` | truncated | cut at the 64 MiB cap'],
    ['the inconclusive rule', flannelConflict, '| `host-local-ipam-leak` | node node-2 | The host-local reservations on node-2 were not collected'],
    ['a suspect citation', nodeOnly, '| `nodes/worker-7/net/iptables-save.txt:1` **⚠ checksum-mismatch** |'],
    ['a timeline row', flannelConflict, '| `2026-11-22T09:41:07.498Z` | `node-2` | `shop/checkout-7d9c5b8f6-x2k4p` | runtime (error) | RunPodSandbox failed: plugin type="flannel"'],
  ])('shows %s', (_what, result, expected) => {
    expect(renderMarkdown(result)).toContain(expected);
  });

  it('gives a text-only next step as prose, in the summary and in the details', () => {
    const result: AnalysisResult = { ...nodeOnly, diagnoses: nodeOnly.diagnoses.map((d) => ({ ...d, nextStep: { text: 'Ask which *iptables* mode the image uses.' } })) };
    const markdown = renderMarkdown(result);
    expect(markdown).toContain('Next: Ask which \\*iptables\\* mode the image uses.\n');
    expect(markdown).toContain('**Next step:**\n\nAsk which \\*iptables\\* mode the image uses.\n\n## Findings');
  });

  it('numbers steps past 9 with the item indent that keeps each block inside its item', () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({ text: `Step ${i + 1}.`, command: `echo ${i + 1}` }));
    const markdown = renderMarkdown({ ...healthy, findings: [{ ...healthy.findings[0]!, remediation: steps }] });
    expect(markdown).toContain('9. Step 9.\n   ```sh\n   echo 9\n   ```\n10. Step 10.\n    ```sh\n    echo 10\n    ```\n');
  });

  it('fences a command that carries backticks and newlines so it cannot end its block early', () => {
    const step = { text: 'Odd.', command: 'echo ```\nls `pwd`' };
    const markdown = renderMarkdown({ ...healthy, findings: [{ ...healthy.findings[0]!, remediation: [step] }] });
    expect(markdown).toContain('1. Odd.\n   ````sh\n   echo ```\n   ls `pwd`\n   ````\n');
  });

  it('orders findings by severity and skips the diagnoses section when there are none', () => {
    const markdown = renderMarkdown(nodeOnly);
    const order = ['### Critical:', '### Warning:', '### Info:'].map((h) => markdown.indexOf(h));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(renderMarkdown(healthy)).not.toContain('## Diagnoses');
  });

  it.each(fixtureNames)('%s: every table row has as many cells as its header', (name) => {
    const found = tables(renderMarkdown(FIXTURES[name]));
    expect(found.length).toBeGreaterThan(0);
    for (const table of found) {
      const width = gfmCells(table[0]!).length;
      expect(table[1]).toMatch(/^\|(---\|)+$/);
      for (const row of table) expect(gfmCells(row), row).toHaveLength(width);
    }
  });

  it.each(fixtureNames)('%s: nothing from the bundle becomes markup', (name) => {
    const markup = outsideCode(renderMarkdown(FIXTURES[name]));
    expect(markup).not.toMatch(/(?<!\\)</);
    expect(markup).not.toContain('\u001b');
  });

  it('keeps hostile text readable and intact inside table cells', () => {
    const nasty = ['a|b', 'grep -E "cni0\\|flannel" kubelet.log', '`backticks` and ``two``', HOSTILE_POD, 'x\\', '|'];
    const result: AnalysisResult = {
      ...flannelConflict,
      findings: [
        {
          ...flannelConflict.findings[0]!,
          citations: nasty.map((excerpt, i) => ({ file: `nodes/node-2/odd|name-${i}.txt`, line: i + 1, excerpt })),
        },
      ],
      diagnoses: [],
    };
    const table = tables(renderMarkdown(result)).find((t) => t[0] === '| Where | Excerpt |')!;
    expect(table.slice(2).map((row) => gfmCells(row).map(shownCell))).toEqual(
      nasty.map((excerpt, i) => [`nodes/node-2/odd|name-${i}.txt:${i + 1}`, excerpt]),
    );
  });
});

describe('markdown building blocks', () => {
  it.each<[string, string, boolean, string]>([
    ['plain text', 'node-2', false, '`node-2`'],
    ['a backtick inside', 'a`b', false, '``a`b``'],
    ['a leading backtick', '`a', false, '`` `a ``'],
    ['a pipe outside a table', 'a|b', false, '`a|b`'],
    ['a pipe in a table', 'a|b', true, '`a\\|b`'],
    ['backslash-pipe in a table (falls back to prose)', 'a\\|b', true, 'a\\\\\\|b'],
    ['a newline', 'line 1\nline 2', false, '`line 1 ⏎ line 2`'],
    ['a terminal escape', 'x\u001b[2Jy', false, '`x\\x1b[2Jy`'],
  ])('codeSpan: %s', (_what, input, inTable, expected) => {
    expect(codeSpan(input, inTable)).toBe(expected);
  });

  it.each<[string, string]>([
    ['<script>alert(1)</script>', '\\<script\\>alert(1)\\</script\\>'],
    ['*prod* _x_ [a](b)', '\\*prod\\* \\_x\\_ \\[a\\](b)'],
    ['a | b', 'a \\| b'],
  ])('mdText escapes %j', (input, expected) => {
    expect(mdText(input)).toBe(expected);
  });

  it('fences a block with more backticks than any run inside it', () => {
    expect(fenced(['echo ```', 'ls'], 'sh')).toEqual(['````sh', 'echo ```', 'ls', '````']);
    expect(fenced(['ls'], 'sh')).toEqual(['```sh', 'ls', '```']);
  });

  it('indents every line of a fenced block, multi-line commands included, but not its blank lines', () => {
    expect(fenced(['a\n\nb'], 'sh', '   ')).toEqual(['   ```sh', '   a', '', '   b', '   ```']);
  });
});
