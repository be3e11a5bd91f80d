import { describe, expect, it } from 'vitest';
import type { AnalysisResult, TimelineEntry } from '../../../analyzer/model.js';
import { renderText } from '../../../analyzer/reports/text.js';
import { CHECKOUT, COREDNS, FIXTURES, HOSTILE_POD, flannelConflict, healthy, nodeOnly, type FixtureName } from './fixtures.js';

const ESC = '\u001b';
const plain = (result: AnalysisResult, verbose = false) => renderText(result, { color: false, verbose });
const lines = (text: string) => text.split('\n');
const fixtureNames = Object.keys(FIXTURES) as FixtureName[];

describe('text report: the answer comes first', () => {
  it.each<[FixtureName, RegExp[]]>([
    ['flannelConflict', [/^▶ shop\/checkout-7d9c5b8f6-x2k4p @ node-2$/, /CRITICAL {2}Bridge cni0 has an address from an old pod subnet \[high confidence\]/, /cni0 on node-2 still has 10\.244\.7\.1\/24/]],
    ['nodeOnly', [/^▶ node worker-7 \(no failing pod in the bundle\)$/, /CRITICAL {2}kube-proxy and Calico write to different iptables backends/]],
    ['healthy', [/No problem found\./, /No failing pod and no critical or warning finding\. Ran 41 rules over 96 files/]],
  ])('%s: the first 16 lines name who fails and why', (name, expected) => {
    const head = lines(plain(FIXTURES[name])).slice(0, 16).join('\n');
    for (const pattern of expected) expect(head).toMatch(new RegExp(pattern.source, 'm'));
  });

  it('puts the sections in the order the issue asks for', () => {
    const text = plain(flannelConflict);
    const order = ['▶ shop/checkout', '▶ kube-system/coredns', '── Findings', '── Timeline', '── What this bundle lacks', '── Not enough evidence'];
    const positions = order.map((marker) => text.indexOf(marker));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('shows the causal chain as arrows, each with its file:line', () => {
    const text = plain(flannelConflict);
    expect(text).toMatch(/→ Pod event {10}FailedCreatePodSandbox for shop\/checkout-7d9c5b8f6-x2k4p/);
    expect(text).toMatch(/→ Node state {9}cni0 on node-2 still has 10\.244\.7\.1\/24 from an earlier flannel lease\n {25}↳ nodes\/node-2\/net\/ip-addr\.txt:7\n/);
    expect(text).toMatch(/↳ cluster\/nodes\.json:212/);
  });

  it('gives blast radius and the next step with this bundle’s names', () => {
    const text = plain(flannelConflict);
    expect(text).toContain('Blast radius: node node-2 only: pods scheduled there are affected; 2 failing pods in this bundle');
    expect(text).toMatch(/NEXT STEP: Delete cni0 on node-2 \(the bridge plugin recreates it as 10\.244\.1\.1\/24 for the next\n {13}pod\), then delete the failing pods\.\n {13}\$ ssh node-2 sudo ip link delete cni0\n/);
    expect(text).toContain("Also considered: node-podcidr-changed: node-2's podCIDR changed when it was registered again (low");
  });

  it('gives a text-only next step as prose, with no $ line', () => {
    const text = plain({ ...flannelConflict, diagnoses: flannelConflict.diagnoses.map((d) => ({ ...d, nextStep: { text: 'Ask the cluster admin why node-2 was registered again.' } })) });
    expect(text).toContain('  NEXT STEP: Ask the cluster admin why node-2 was registered again.\n  Also considered:');
    expect(text).not.toMatch(/^ {13}\$ /m);
  });

  it('shows a second pod with the same cause briefly, with its own proof only', () => {
    const text = plain(flannelConflict);
    const second = text.slice(text.indexOf(`▶ ${COREDNS}`), text.indexOf('── Findings'));
    expect(second).toContain(`Same root cause, blast radius and next step as ${CHECKOUT}.`);
    expect(second).toContain('↳ cluster/events.json:118');
    expect(second).not.toContain('ip-addr.txt:7');
    expect(second).not.toContain('NEXT STEP');
  });

  it('collapses many pods with one cause into one line unless verbose', () => {
    const many: AnalysisResult = {
      ...flannelConflict,
      diagnoses: Array.from({ length: 8 }, (_, i) => ({ ...flannelConflict.diagnoses[0]!, pod: `shop/web-${i}` })),
    };
    expect(plain(many)).toContain('Same root cause for 5 more pods: shop/web-3, shop/web-4, shop/web-5, shop/web-6, shop/web-7');
    expect(plain(many, true)).not.toContain('Same root cause for');
    expect(plain(many, true).match(/^▶ shop\/web-/gm)).toHaveLength(8);
  });
});

describe('text report: findings, timeline, gaps', () => {
  it.each<[string, string]>([
    ['a citation as file:line', '      nodes/node-2/net/ip-addr.txt:7\n        │ inet 10.244.7.1/24 brd 10.244.7.255 scope global cni0'],
    ['a step with a command: its text, then the command on an indented $ line', '    Fix:\n      1. Delete the stale bridge on node-2; the bridge plugin recreates it with 10.244.1.1/24.\n         $ ssh node-2 sudo ip link delete cni0\n      2. Delete the failing checkout pod'],
    ['a text-only step as prose, with no $ line', '         $ ssh node-2 ls /var/lib/cni/networks/cbr0\n      2. Remove reservations outside 10.244.1.0/24 from that folder.\n    To confirm, collect:'],
    ['what would confirm it', '    To confirm, collect:\n      - nodes/node-2/cni/networks.ls: host-local reservations from the old range'],
    ['a forbidden gap with the API message', '  forbidden  cluster/logs/kube-flannel/kube-flannel-ds-8x7kq/kube-flannel.log\n             pods "kube-flannel-ds-8x7kq" is forbidden'],
    ['a truncated journal', '  truncated  nodes/node-2/journal/kubelet.log\n             cut at the 64 MiB cap'],
    ['an inconclusive rule and what it needs', '  host-local-ipam-leak (node node-2)\n'],
    ['what the inconclusive rule needs', 'Needs: nodes/node-2/cni/networks.ls; nodes/node-2/cni/networks/cbr0/*'],
    ['clock skew', 'node-3: clock 2.4 s ahead (system/date.txt against the collector clock)'],
    ['the timeline date said once', '── Timeline of 2026-11-22: 16 entries'],
    ['a timeline error with its proof', '  ✖ 09:41:07.498Z  node-2  runtime    [shop/checkout-7d9c5b8f6-x2k4p]'],
  ])('flannel conflict shows %s', (_what, expected) => {
    expect(plain(flannelConflict)).toContain(expected);
  });

  it('orders findings by severity whatever order the analyzer gave them in', () => {
    const text = plain(nodeOnly);
    const critical = text.indexOf('CRITICAL  kube-proxy and Calico');
    const warning = text.indexOf('WARNING   conntrack insert_failed');
    const info = text.indexOf('INFO      A pod sandbox on worker-7 is NotReady');
    expect(critical).toBeGreaterThan(0);
    expect(critical).toBeLessThan(warning);
    expect(warning).toBeLessThan(info);
  });

  it('caps the timeline to the most relevant 40 entries and says how many it left out', () => {
    const filler: TimelineEntry[] = Array.from({ length: 100 }, (_, i) => ({
      time: `2026-11-22T08:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      node: 'node-1',
      pod: null,
      source: 'kubelet',
      severity: 'info',
      text: `routine line ${i}`,
      citation: { file: 'nodes/node-1/journal/kubelet.log', line: i + 1, excerpt: `routine line ${i}` },
    }));
    const big = { ...flannelConflict, timeline: [...filler, ...flannelConflict.timeline] };
    const compact = plain(big);
    expect(compact).toContain('── Timeline of 2026-11-22: 40 most relevant of 116 entries (76 left out; --verbose shows all)');
    // Every error about the failing pods survives the cut.
    const errors = flannelConflict.timeline.filter((e) => e.severity === 'error');
    expect(compact.match(/^ {2}✖ /gm)).toHaveLength(errors.length);
    for (const e of errors) expect(compact).toContain(`↳ ${e.citation.file}:${e.citation.line}\n`);
    expect(compact.match(/routine line/g)?.length).toBeLessThan(30);
    expect(plain(big, true).match(/routine line/g)).toHaveLength(100);
  });

  it('says clearly when nothing is wrong, and what was checked', () => {
    const text = plain(healthy);
    expect(text).not.toMatch(/CRITICAL|WARNING|NEXT STEP/);
    expect(text).toContain('── What this bundle lacks: nothing');
    expect(text).toContain('Every rule had the evidence it needed.');
    expect(text).toContain('1 finding (1 info), for the record.');
  });
});

describe('text report: header tells how far to trust the bundle', () => {
  it.each<[string, AnalysisResult, string[]]>([
    ['redacted, real names', flannelConflict, ['Redacted: secrets replaced; node and pod names and addresses are the real ones']],
    ['redacted and pseudonymized', healthy, ['Redacted: secrets replaced; node, pod and address names pseudonymized']],
    ['not redacted', { ...healthy, bundle: { ...healthy.bundle, redacted: false, obfuscated: false } }, ['NOT redacted: this bundle may contain secrets']],
    [
      'partial, with an integrity problem',
      nodeOnly,
      [
        '!! INTEGRITY: 1 file does not match the manifest; treat that evidence with suspicion',
        '   - nodes/worker-7/net/iptables-save.txt: checksum-mismatch: sha256 is 3f5a9c0e…',
        '!! PARTIAL: the collection stopped early (interrupted (SIGINT) after 41 of 58 artifacts)',
        '↳ nodes/worker-7/net/iptables-save.txt:1 !! checksum-mismatch',
      ],
    ],
  ])('%s', (_what, result, expected) => {
    const text = plain(result);
    for (const snippet of expected) expect(text).toContain(snippet);
  });
});

describe('text report: terminal safety and layout', () => {
  it.each(fixtureNames)('%s: no ANSI escape at all when colour is off', (name) => {
    expect(plain(FIXTURES[name])).not.toContain(ESC);
    expect(renderText(FIXTURES[name], { color: false, verbose: true })).not.toContain(ESC);
  });

  it.each(fixtureNames)('%s: colour codes when asked, even when stdout is not a TTY', (name) => {
    const coloured = renderText(FIXTURES[name], { color: true });
    expect(coloured).toContain(`${ESC}[1m`);
    // Without the codes it is the same report.
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain(FIXTURES[name]));
  });

  it('neutralizes escapes and bidi overrides that come from the bundle', () => {
    const coloured = renderText(nodeOnly, { color: true });
    expect(coloured).not.toContain('\u001b[2J');
    expect(coloured).not.toContain('\u202e');
    expect(plain(nodeOnly)).toContain('status \\x1b[2J\\x1b[32mALL CLEAR\\x1b[0m \\u202egnp.exe');
    expect(plain(nodeOnly)).toContain(`[${HOSTILE_POD}]`);
    const hostileCommand = { text: 'Hostile.', command: 'echo \u001b[2J\u001b[32mALL CLEAR \u202egnp.exe' };
    const withCommand: AnalysisResult = { ...nodeOnly, findings: [{ ...nodeOnly.findings[0]!, remediation: [hostileCommand] }] };
    expect(renderText(withCommand, { color: true })).not.toMatch(/\u001b\[2J|\u202e/);
    expect(plain(withCommand)).toContain('$ echo \\x1b[2J\\x1b[32mALL CLEAR \\u202egnp.exe\n');
  });

  it.each(fixtureNames)('%s: lines fit 100 columns unless one unbreakable word is longer', (name) => {
    for (const report of [plain(FIXTURES[name]), plain(FIXTURES[name], true)]) {
      for (const line of lines(report)) {
        if (line.length <= 100) continue;
        expect(line, line).toMatch(/\S{40,}/);
      }
    }
  });

  it('never wraps a command: each of its lines stays whole so it pastes as written', () => {
    const long = `kubectl get pods -A -o wide --field-selector spec.nodeName=node-2 ${'--sort-by=.metadata.creationTimestamp '.repeat(3).trim()}`;
    const multi = 'for p in $(kubectl -n shop get pods -o name); do\n  kubectl -n shop delete "$p"\ndone';
    const finding = { ...flannelConflict.findings[1]!, remediation: [{ text: 'A long one.', command: long }, { text: 'A loop.', command: multi }] };
    const text = plain({ ...flannelConflict, findings: [finding] });
    expect(long.length).toBeGreaterThan(100);
    expect(text).toContain(`      1. A long one.\n         $ ${long}\n`);
    expect(text).toContain('      2. A loop.\n         $ for p in $(kubectl -n shop get pods -o name); do\n             kubectl -n shop delete "$p"\n           done\n');
    expect(renderText({ ...flannelConflict, findings: [finding] }, { color: true })).toContain(`${ESC}[2m$${ESC}[22m ${ESC}[32m${long}${ESC}[39m`);
  });

  it('keeps 64-hex sandbox ids and paths whole when wrapping', () => {
    const text = plain(flannelConflict, true);
    expect(text).toContain('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    expect(text).not.toMatch(/ca978112ca1bbdca\n/);
  });
});
