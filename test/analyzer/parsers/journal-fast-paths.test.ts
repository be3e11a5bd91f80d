/**
 * The journal parser drops healthy chatter from the undecoded bytes before any string exists
 * (dropUnread, what the loader uses). It must be invisible: the records are those of the full
 * decoder, line for line, however the stream is cut into chunks, and fed as strings (tests,
 * runLineParser) the parser gives the same records too.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLogStream } from '../../../analyzer/evidence/lines.js';
import { createFlannelLogParser } from '../../../analyzer/parsers/flannel-log.js';
import { createJournalParser } from '../../../analyzer/parsers/journal.js';
import { INTERESTING, INTERESTING_WORDS, interestingBytes, KeywordScanner } from '../../../analyzer/parsers/lib/keywords.js';
import { isDeferredLine, isParseProblem, runLineParser } from '../../../analyzer/parsers/types.js';

const REF = '2026-11-26T12:00:00Z';
const FILE = 'nodes/n1/journal/kubelet.log';

function fullPath(text: string): unknown[] {
  const { records, problems } = runLineParser(createJournalParser({ referenceTime: REF, noFastPaths: true }), text, FILE);
  return [...records, ...problems];
}

function stringPath(text: string): unknown[] {
  const { records, problems } = runLineParser(createJournalParser({ referenceTime: REF }), text, FILE);
  return [...records, ...problems];
}

/** What the loader does: the byte sieve first, deferred lines materialized at the end. */
async function bytePath(text: string, chunkSize: number, seen?: { deferred: number }): Promise<unknown[]> {
  const parser = createJournalParser({ referenceTime: REF });
  const records: unknown[] = [];
  const problems: unknown[] = [];
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  await parseLogStream(parser, FILE, Readable.from(chunks), (out) => {
    if (isParseProblem(out)) problems.push(out);
    else records.push(out);
  });
  const materialized = records.map((r) => {
    if (!isDeferredLine(r)) return r;
    if (seen) seen.deferred += 1;
    return parser.materialize!(r);
  });
  return [...materialized, ...problems];
}

const P = '2026-11-22T09:33:21+0000 node-1';
const LINES = [
  `${P} kubelet[901]: I1122 09:33:21.771203     901 reconciler_common.go:251] "operationExecutor.VerifyControllerAttachedVolume started" pod="default/app-1"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 kuberuntime_manager.go:1 ] "Creating PodSandbox for pod" pod="default/app-1"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 cni.go:260] "healthy"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "the NetWork is fine"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "ends with" x=cni`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "generic eni-less text"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "attached ENI eni-0abc"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "generic"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "sandböx ✓ ünïcode"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "ſandbox long s"`,
  `${P} kubelet[901]: W1122 09:33:21.771203     901 x.go:1] "a warning"`,
  `${P} kubelet[901]: E1122 09:33:21.771203     901 x.go:1] "an error"`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "opens a value" pod="default/app-1" diff=<`,
  `${P} kubelet[901]: 	value line one`,
  `${P} kubelet[901]:  >`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=info msg="ExecSync for \\"d40f\\" returns with exit code 0"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level="info" msg="quoted level"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=debug msg="debug chatter"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=warning msg="shim warning"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=infoo msg="not a level"`,
  `${P} containerd[812]: level=info msg="level first"`,
  `${P} containerd[812]: time="cni" level=info msg="a keyword in the time value"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21Z" level=info msg="x" level=debug`,
  `${P} containerd[812]: time="2026-11-22T09:33:21Z" msg="level later" level=info`,
  `${P} containerd[812]: msg="no level at all"`,
  `${P} containerd[812]: {"level":"info","msg":"json body"}`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=info msg="StopPodSandbox for \\"abc\\""`,
  `${P} kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "sandbox value follows" pod="default/app-1" diff=<`,
  `${P} kubelet[901]: 	value about nothing`,
  `${P} kubelet[901]:  >`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=info msg="a sandbox" level=error`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=info msg="sandbox level=error inside"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=debug msg="RunPodSandbox debug"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=Info msg="sandbox, level in mixed case"`,
  '    an indented continuation about a sandbox, after a mixed-case level',
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level="info" msg="quoted level, sandbox"`,
  `${P} containerd[812]: time="2026-11-22T09:33:21.840812512Z" level=info msg="sandbox with a NUL\u0000"`,
  '2026-11-22T09:33:21+0000 cni-host kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "keyword only in the host name"',
  '2026-11-22T09:33:21+0000 node-1 flannel-cni[9]: I1122 09:33:21.771203     901 x.go:1] "keyword only in the identifier"',
  '2026-11-22T09:33:21+0000 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "NUL\u0000inside"',
  '2026-11-22T09:33:21+0000 no\u0000de kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "NUL in the host"',
  '2026-11-22T09:33:21+0000 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "two CRs"\r',
  '    an indented continuation line that mentions nothing',
  '    an indented continuation line about a sandbox',
  '2026-11-22T09:33:21+0000 node-1 kubelet[901]:',
  '2026-11-22T09:33:21+0000 node-1 : I1122 09:33:21.771203     901 x.go:1] "empty identifier"',
  `2026-11-22T09:33:21+0000 node-1 ${'x'.repeat(140)}[1]: I1122 09:33:21.771203     901 x.go:1] "identifier too long"`,
  '2026-11-22T09:33:21+0000  kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "no host"',
  'Nov 22 09:33:21 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "short form chatter"',
  'Nov 22 09:33:21 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "short form about cni"',
  '-- No entries --',
  '-- Boot 0123456789abcdef --',
  '2026-11-22T09:33:21.123456+00:00 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1] "precise chatter"',
  '2026-11-22T09:33:21.123456+00:00 node-1 kubelet[901]: I1122 09:33:21.771203     901 x.go:1]"no space after the bracket"',
  '2026-11-22T09:33:21.123456+00:00 node-1 kubelet[901]: I1122 09:33:21.771203 x.go:1] "no thread id"',
  '',
  'garbage',
];

/** The table's kept lines whose decoding can wait (klog, or time="…" level=<letters>). */
const EXPECTED_DEFERRED = 12;

describe('journal fast paths change nothing', () => {
  it.each([1, 7, 64, 4096])('the table of tricky lines, read in %i-byte chunks, gives the full decoder records', async (chunkSize) => {
    const text = `${LINES.join('\n')}\n`;
    const full = fullPath(text);
    // The table has lines of every kind: the test would prove nothing if all were dropped or kept.
    expect(full.length).toBeGreaterThan(15);
    expect(full.length).toBeLessThan(LINES.length);
    expect(stringPath(text)).toEqual(full);
    const seen = { deferred: 0 };
    const viaBytes = await bytePath(text, chunkSize, seen);
    expect(viaBytes).toEqual(full);
    // Same keys in the same order too: the JSON report and the bench compare bytes.
    expect(JSON.stringify(viaBytes)).toBe(JSON.stringify(full));
    // Kept klog and containerd info lines wait to be decoded; the rest of the table does not.
    expect(seen.deferred).toBe(EXPECTED_DEFERRED);
  });

  it('an indented line after a line dropped unread is attributed to that line', async () => {
    const text = `${LINES[0]}\n    continued about a sandbox\n`;
    const records = (await bytePath(text, 16)) as { unit: string; host: string; line: number; message: string }[];
    expect(records).toMatchObject([{ unit: 'kubelet', host: 'node-1', line: 2, message: 'continued about a sandbox' }]);
  });

  it('random journals built from the tricky lines and random case give the same records on every path', async () => {
    const line = fc.oneof(
      fc.constantFrom(...LINES),
      fc.tuple(fc.constantFrom(...LINES), fc.array(fc.boolean(), { minLength: 1, maxLength: 200 })).map(([l, flips]) =>
        [...l].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join(''),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 300 }), async (lines, chunkSize) => {
        const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
        const full = fullPath(text);
        expect(stringPath(text)).toEqual(full);
        const viaBytes = await bytePath(text, chunkSize);
        expect(viaBytes).toEqual(full);
        expect(JSON.stringify(viaBytes)).toBe(JSON.stringify(full));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the byte keyword scanner', () => {
  const test = (s: string): boolean => interestingBytes.test(Buffer.from(s, 'utf8'), 0, Buffer.byteLength(s));

  it.each([
    ['Sandbox', true],
    ['CNI', true],
    ['ip6tables', true],
    ['IP POOL', true],
    ['ip  pool', false],
    ['eni', true],
    ['ENI-0abc', true],
    ['generic', false],
    ['eni_x', false],
    ['é eni é', true],
    ['ſandbox', false],
    ['netn', false],
    ['cached   result', false],
    ['', false],
  ])('%j -> %s (as the regexp says)', (text, expected) => {
    expect(INTERESTING.test(text)).toBe(expected);
    expect(test(text)).toBe(expected);
  });

  it('agrees with the regexp on random text of keyword pieces, word characters and non-ASCII', () => {
    const piece = fc.constantFrom('san', 'dbox', 'cn', 'i', 'e', 'n', 'ip', '6', 'tables', ' ', 'pool', '_', 'x', 'é', '€', 'ſ', 'K', 'ENI', 'Net', 'work', 'no space left', 'cached result');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 40 }), (pieces, flips) => {
        const text = [...pieces.join('')].map((c, i) => (flips[i] ? c.toUpperCase() : c)).join('');
        expect(test(text)).toBe(INTERESTING.test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds every word at every place of a long line (the quarters scanned side by side)', () => {
    // 200 bytes of filler; each word at each offset, also across the quarter boundaries.
    const filler = 'x'.repeat(200);
    for (const word of [...INTERESTING_WORDS, 'eni']) {
      for (let at = 0; at + word.length <= filler.length; at++) {
        const text = filler.slice(0, at) + word + filler.slice(at + word.length);
        // 'eni' counts only as a whole word: inside x…x it is not one.
        expect(test(text)).toBe(word === 'eni' ? false : true);
        const spaced = `${filler.slice(0, at)} ${word} ${filler.slice(at + word.length + 2)}`;
        expect(test(spaced)).toBe(INTERESTING.test(spaced));
      }
    }
    expect(test(filler)).toBe(false);
  });

  it('agrees with the regexp on long random text and on any range of it', () => {
    const piece = fc.constantFrom('san', 'dbox', 'cn', 'i', 'e', 'n', 'ip', '6', 'tables', ' ', 'pool', '_', 'x', 'K', 'ENI', 'Net', 'work', 'no space left', 'cached result', 'abcdefghij', '0123456789');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 20, maxLength: 90 }), fc.nat(), fc.nat(), (pieces, p, q) => {
        const text = pieces.join('');
        const bytes = Buffer.from(text, 'latin1');
        const from = p % (text.length + 1);
        const to = from + (q % (text.length - from + 1));
        expect(interestingBytes.test(bytes, from, to)).toBe(INTERESTING.test(text.slice(from, to)));
        expect(interestingBytes.test(bytes, 0, text.length)).toBe(INTERESTING.test(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('looks only inside the range it is given (word boundaries included)', () => {
    const bytes = Buffer.from('xeni sandbox', 'latin1');
    expect(interestingBytes.test(bytes, 1, 4)).toBe(true);
    expect(interestingBytes.test(bytes, 0, 4)).toBe(false);
    expect(interestingBytes.test(bytes, 4, 8)).toBe(false);
    expect(new KeywordScanner(['ab']).test(Buffer.from('xAbx'), 0, 4)).toBe(true);
  });
});

describe('the flannel log fast path changes nothing', () => {
  const FLANNEL = 'cluster/logs/kube-flannel/kube-flannel-ds-x/kube-flannel.log';
  const T = '2026-11-22T09:53:46.215464118Z';
  const K = 'I1122 09:53:46.215464       1 vxlan_network.go:100]';
  const FLANNEL_LINES = [
    `${T} ${K} Received Subnet Event with VxLan: BackendType: vxlan`,
    `${K} without a timestamp`,
    `${T} E1122 09:53:46.215464       1 network.go:102] failed to register network: pod cidr not assigned`,
    `${T} W1122 09:53:46.215464       1 main.go:1] a warning`,
    `2026-13-99T99:99:99Z ${K} a time that does not parse`,
    `${T} ${K} "opens a value" diff=<`,
    `${T} 	value line`,
    `${T}  >`,
    `${T} ${K} a CR\r`,
    `${T} ${K} a NUL\u0000`,
    `[pod/kube-flannel-ds-x/kube-flannel] ${T} ${K} with a --prefix`,
    `${T} ${K}`,
    "cp: can't create '/opt/cni/bin/flannel': Read-only file system",
    '',
    `${T} I1122 09:53:46.215464 no thread id]`,
  ];

  async function viaBytes(text: string, chunkSize: number, seen: { deferred: number }): Promise<unknown[]> {
    const parser = createFlannelLogParser({ referenceTime: REF });
    const out: unknown[] = [];
    const bytes = Buffer.from(text, 'utf8');
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
    await parseLogStream(parser, FLANNEL, Readable.from(chunks), (item) => out.push(item));
    return out.map((item) => {
      if (!isDeferredLine(item)) return item;
      seen.deferred += 1;
      return parser.materialize!(item);
    });
  }

  it.each([1, 5, 64, 4096])('the table, in %i-byte chunks, gives the full decoder records in the same order', async (chunkSize) => {
    const text = `${FLANNEL_LINES.join('\n')}\n`;
    const full = runLineParser(createFlannelLogParser({ referenceTime: REF, noFastPaths: true }), text, FLANNEL);
    const seen = { deferred: 0 };
    const fast = await viaBytes(text, chunkSize, seen);
    expect(fast.filter((r) => !isParseProblem(r))).toEqual(full.records);
    expect(JSON.stringify(fast.filter((r) => !isParseProblem(r)))).toBe(JSON.stringify(full.records));
    expect(fast.filter((r) => isParseProblem(r))).toEqual(full.problems);
    // Info lines with a klog header (timestamp or not, parsable or not, the one whose CR the
    // stream cuts) wait; the rest does not.
    expect(seen.deferred).toBe(5);
  });

  it('random sequences of the table lines give the full decoder records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...FLANNEL_LINES), { maxLength: 25 }), fc.integer({ min: 1, max: 200 }), async (lines, chunkSize) => {
        const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
        const full = runLineParser(createFlannelLogParser({ referenceTime: REF, noFastPaths: true }), text, FLANNEL);
        const fast = await viaBytes(text, chunkSize, { deferred: 0 });
        expect(fast.filter((r) => !isParseProblem(r))).toEqual(full.records);
        expect(fast.filter((r) => isParseProblem(r))).toEqual(full.problems);
      }),
      { numRuns: 300 },
    );
  });
});
