/**
 * The prefiltered engine (rule triggers joined into one check per line, and in a stream a byte
 * scanner that passes ruled-out lines on undecoded) against the reference that runs every rule
 * on every line (`prefilter: false`): byte-identical output and identical counts on every file
 * of every sample, on the leak corpus with its seeded secrets, and on random documents made of
 * pieces of those, cut into random chunks.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBundle } from '../../shared/bundle/reader.js';
import { RedactionEngine, redactText } from '../../shared/redact/engine.js';
import { createRedactionFilter, redactManifestText } from '../../shared/redact/filter.js';
import { DOCUMENT_BASE64_FIRST } from '../../shared/redact/nested.js';
import { compileScanner, literalSequence, parseTriggerPattern } from '../../shared/redact/prefilter.js';
import { defineRule, marker, type RedactionRule } from '../../shared/redact/rule.js';
import { REDACTION_RULES } from '../../shared/redact/rules/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildCorpus } from './corpus.js';
import { cutAt } from '../helpers/bytes.js';

interface Redacted {
  bytes: Buffer;
  counts: Record<string, number>;
}

async function throughFilter(chunks: readonly Buffer[], prefilter: boolean, rules: readonly RedactionRule[] = REDACTION_RULES): Promise<Redacted> {
  const made = createRedactionFilter({ prefilter, rules }).forArtifact('x')!;
  const parts: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    made.transform.on('data', (d: Buffer) => parts.push(d));
    made.transform.on('end', resolve);
    made.transform.on('error', reject);
  });
  Readable.from(chunks).pipe(made.transform);
  await done;
  return { bytes: Buffer.concat(parts), counts: made.counts() };
}

async function filesOf(bundle: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await readBundle(bundle, {
    async onFile(file, content) {
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      files.set(file.path, Buffer.concat(chunks));
    },
  });
  return files;
}

/** 64 KiB chunks, as a file stream hands them over. */
function chunked(buffer: Buffer, size = 64 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) out.push(buffer.subarray(i, i + size));
  return out.length > 0 ? out : [buffer];
}

async function expectSame(name: string, content: Buffer, rules: readonly RedactionRule[] = REDACTION_RULES): Promise<Redacted> {
  const reference = await throughFilter([content], false, rules);
  for (const chunks of [[content], chunked(content), chunked(content, 7)]) {
    const fast = await throughFilter(chunks, true, rules);
    expect(fast.bytes.equals(reference.bytes), name).toBe(true);
    expect(fast.counts, name).toEqual(reference.counts);
  }
  return reference;
}

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** One or more lines per rule, and documents whose keywords only appear once decoded (escapes, base64). */
const EXAMPLES: string[] = [
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
  `tls.key: ${b64('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBd1234\n-----END EC PRIVATE KEY-----\n')}`,
  'x eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEyMw y',
  'id=ASIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'k AIzaSyA1234567890abcdefghijklmnopqrstuv 1//0abcdefghijklmnopqrstuvwxyz01234 ya29.a0AfH6SMBx1234567890abcdefghij',
  'x;AccountKey=Zm9vYmFyYmF6==;y abc8Q~abcdefghijklmnopqrstuvwxyz0123456 z',
  'webhook xoxb-1234567890-abcdefghij glpat-abcdefghijklmnopqrst',
  'curl -H "Authorization: BEARER 8f14e45fceea167a5a36dedd4bea2543"',
  'sent Basic cm9ib3Q6aHVudGVyMg== upstream',
  'endpoint https://root:hunter2hunter2@10.0.0.5:2379 and https://s/x?sig=deadbeef00&code=abc',
  '    id-token: abc.def.ghi',
  'calico-node --ETCD-PASSWORD=inline-key-material',
  '{"typha_token":"tok987654321"}',
  '      identitytoken = "idt-123456789"',
  '  - name: SECRET_KEY\n    value: sk123456789\nssh-privatekey: |\n  line-one\nnext: 1',
  // Keywords only visible once the JSON string or the base64 is decoded.
  '"data": "{\\"p\\u0061ssword\\":\\"qqqqqqqqqqqq\\"}"',
  '"data": "\u00a0[{\\"t\\u006fken\\":\\"qqqqqqqqqqqq\\"}]"',
  '"data": "a: 1\\nt\\u006fken: qqqqqqqqqqqq\\n"',
  `"config": "${b64('{"name":"n","password":"qqqqqqqqqqqq"}')}"`,
  `"config":\u00a0"${b64('\u3000 {"token":"qqqqqqqqqqqq"}')}"`,
].flatMap((text) => text.split('\n'));

describe('the prefiltered engine equals the rule-by-rule engine', async () => {
  const dir = await tempDir('cni-evidence-prefilter-');
  const corpus = buildCorpus();
  const corpusFiles = await filesOf(await corpus.kit.write(join(dir, 'corpus.tgz'), corpus.description));
  const corpusLines = [...corpusFiles.values()].flatMap((b) => b.toString('utf8').split('\n'));

  const tricky = [
    '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEAx7abc', '  tls.key: |', '- name: DB_PASSWORD', '  value: hunter2hunter2',
    '"value": "s3cr3t-value"', 'password=', 'Bearer ', 'Basic dXNlcjpwYXNzd29yZA==', 'https://u:p@h', '?sig=', 'AKIA', 'eyJ', '\\n', '\\"', '"{', '": "',
    ...EXAMPLES, 'ewogICJuYW1lIjogImNicjAi', 'caf\u00e9', '\u00a0', '\u2028', '\u3000{', '\r', ' ', ':', '"', '{', 'key', 'KEY', 'Q~', 'aad', 'etcd', '\t',
  ];
  const piece = fc.oneof(
    fc.constantFrom(...corpusLines),
    fc.tuple(fc.constantFrom(...corpusLines), fc.nat(), fc.nat()).map(([l, a, b]) => l.slice(Math.min(a, b) % (l.length + 1), Math.max(a, b) % (l.length + 1))),
    fc.constantFrom(...tricky),
    fc.string({ maxLength: 12 }),
  );
  const line = fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
  const document = fc.array(fc.oneof({ weight: 4, arbitrary: line.map((l) => [l]) }, { weight: 1, arbitrary: fc.tuple(fc.nat(corpusLines.length - 1), fc.nat(12)).map(([at, n]) => corpusLines.slice(at, at + n)) }), { maxLength: 30 });
  const documents = document.map((blocks) => blocks.flat().join('\n'));

  it('on every file of every sample', async () => {
    const samples = (await readdir(SAMPLES)).filter((f) => f.endsWith('.tgz'));
    expect(samples.length).toBeGreaterThanOrEqual(10);
    let files = 0;
    for (const sample of samples) {
      for (const [path, content] of await filesOf(join(SAMPLES, sample))) {
        await expectSame(`${sample}:${path}`, content);
        files += 1;
      }
    }
    expect(files).toBeGreaterThan(500);
  });

  it('on every file of the leak corpus, where every rule fires', async () => {
    const fired = new Set<string>();
    for (const [path, content] of corpusFiles) {
      const { counts } = await expectSame(path, content);
      for (const rule of Object.keys(counts)) fired.add(rule);
    }
    // Not every rule fires in the artifacts alone (some secrets are only in the manifest).
    expect(fired.size).toBeGreaterThanOrEqual(REDACTION_RULES.length - 2);
  });

  it('with each rule alone (no other trigger covers for its own), on the corpus and on random documents', async () => {
    for (const rule of REDACTION_RULES) {
      const alone = [rule];
      let hits = 0;
      for (const [path, content] of corpusFiles) hits += Object.keys((await expectSame(`${rule.id}: ${path}`, content, alone)).counts).length;
      for (const text of EXAMPLES) hits += Object.keys((await expectSame(`${rule.id}: ${text}`, Buffer.from(`${text}\n`), alone)).counts).length;
      expect(hits, rule.id).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(documents, async (text) => {
          const bytes = Buffer.from(text);
          const reference = await throughFilter([bytes], false, alone);
          const fast = await throughFilter(chunked(bytes, 97), true, alone);
          expect(fast.bytes.equals(reference.bytes), rule.id).toBe(true);
          expect(fast.counts).toEqual(reference.counts);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('on the text the manifest carries', async () => {
    let manifest: Parameters<typeof redactManifestText>[0] | undefined;
    await readBundle(await corpus.kit.write(join(dir, 'manifest.tgz'), corpus.description), {
      onManifest(m) {
        manifest = m;
      },
    });
    const fast = redactManifestText(manifest!);
    const reference = redactManifestText(manifest!, REDACTION_RULES, { prefilter: false });
    expect(fast).toEqual(reference);
    expect(Object.keys(fast.counts).length).toBeGreaterThan(0);
  });

  it('on each seeded secret, alone and in the places secrets sit', () => {
    const frames = [
      (s: string) => s,
      (s: string) => `x ${s} y`,
      (s: string) => `token: ${s}`,
      (s: string) => `{"password":"${s}","user":"u"}`,
      (s: string) => `--api-key=${s}`,
      (s: string) => `"config": "${Buffer.from(`{"name":"n","etcd_password":"${s}"}`).toString('base64')}"`,
      (s: string) => JSON.stringify({ data: `a: 1\nclient-secret: ${s}\n` }),
    ];
    for (const secret of corpus.secrets) {
      for (const frame of frames) {
        const text = frame(secret.value);
        expect(redactText(text), `${secret.kind}: ${text}`).toEqual(redactText(text, REDACTION_RULES, { prefilter: false }));
      }
    }
  });

  it('on random documents made of pieces of the corpus, cut into random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(document, fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), async (blocks, cuts, invalid) => {
        let bytes = Buffer.from(blocks.flat().join('\n'), 'utf8');
        // A line that is not UTF-8 is read as Latin-1: the scanner must agree with that too.
        if (invalid && bytes.length > 0) bytes = Buffer.concat([bytes.subarray(0, bytes.length >> 1), Buffer.from([0xff, 0xc3]), bytes.subarray(bytes.length >> 1)]);
        const reference = await throughFilter([bytes], false);
        const fast = await throughFilter(cutAt(bytes, cuts), true);
        expect(fast.bytes.equals(reference.bytes)).toBe(true);
        expect(fast.counts).toEqual(reference.counts);
      }),
      { numRuns: 400 },
    );
  });

  it('skips a line only when the reference leaves it as it is (checked line by line)', () => {
    const skipper = new RedactionEngine().lineSkipper()!;
    const unicode = fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/\n/g, ' '));
    const line = fc.array(fc.oneof(fc.constantFrom(...corpusLines), unicode, fc.constantFrom('key', 'Token', 'eyJ', '"', ':', '{', '\\n', 'https://', '@', 'AKIA')), { maxLength: 5 }).map((p) => p.join('').replace(/\n/g, ' '));
    fc.assert(
      fc.property(line, (text) => {
        const bytes = Buffer.from(text, 'utf8');
        if (skipper.find(bytes, 0, bytes.length) !== -1) return;
        const reference = new RedactionEngine(REDACTION_RULES, { prefilter: false });
        expect(reference.line(text)).toBe(text);
        expect(reference.counts()).toEqual({});
      }),
      { numRuns: 3000 },
    );
    // And on every line of the corpus (the seeded secrets): each line a fresh reference engine changes is found.
    let changed = 0;
    for (const text of corpusLines) {
      const reference = new RedactionEngine(REDACTION_RULES, { prefilter: false });
      if (reference.line(text) === text && Object.keys(reference.counts()).length === 0) continue;
      changed += 1;
      const bytes = Buffer.from(text);
      expect(skipper.find(bytes, 0, bytes.length), text).not.toBe(-1);
    }
    expect(changed).toBeGreaterThan(20);
  });

  it('runs every line through a rule that has no trigger', () => {
    const noTrigger = defineRule({ id: 'x', description: 'every x', create: () => (line, hit) => line.replace(/x/g, () => (hit(), marker('x'))) });
    expect(redactText('a x b\nplain\n', [noTrigger])).toEqual({ text: `a ${marker('x')} b\nplain\n`, counts: { x: 1 } });
    expect(new RedactionEngine([noTrigger]).lineSkipper()).toBeNull();
  });
});

describe('the nested-document conditions', () => {
  it('know the first base64 digit of every document: "{", "[" or any space trimStart removes, then "{"', () => {
    const spaces: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      if (c >= 0xd800 && c <= 0xdfff) continue;
      if (ch.trimStart() === '') spaces.push(ch);
    }
    expect(spaces.length).toBeGreaterThan(20);
    for (const lead of ['', ...spaces]) {
      for (const doc of ['{}', '[1]']) {
        const b64 = Buffer.from(`${lead}${doc}`, 'utf8').toString('base64');
        expect(DOCUMENT_BASE64_FIRST, JSON.stringify(lead)).toContain(b64[0]);
      }
    }
  });

  it('still find a document behind Unicode spaces, in a stream too', async () => {
    const secret = `etcd-${'q'.repeat(20)}`;
    for (const lead of ['\u00a0', '\u2028', '\u3000', '\ufeff', ' \t']) {
      const b64 = Buffer.from(`${lead}{"etcd_password":"${secret}"}`).toString('base64');
      const escaped = JSON.stringify(`${lead}{"etcd_password":"${secret}"}`);
      // A tab is escaped in JSON (`\t`), and then the string no longer starts with a space and `{`: not a document.
      const lines = [`"config":${lead}"${b64}"`, ...(lead.includes('\t') ? [] : [`"data": ${escaped}`])];
      for (const line of lines) {
        const fast = await throughFilter([Buffer.from(`${line}\n`)], true);
        expect(fast.bytes.toString(), line).not.toContain(secret);
        expect(fast.bytes.equals((await throughFilter([Buffer.from(`${line}\n`)], false)).bytes)).toBe(true);
      }
    }
  });
});

describe('the byte scanner', () => {
  const find = (patterns: (string | RegExp)[], text: string | Buffer) => {
    const scanner = compileScanner(patterns.flatMap((p) => (typeof p === 'string' ? [literalSequence(p, true)] : parseTriggerPattern(p))));
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    return scanner.find(bytes, 0, bytes.length);
  };

  it('finds words in any case, classes, counts, groups, and reports where the match ends', () => {
    expect(find(['key'], 'a monKEY b')).toBe(7);
    expect(find(['key'], 'a monkee b')).toBe(-1);
    expect(find([/x[0-9]{3}y/], 'x12y x123y')).toBe(9);
    expect(find([/[?&;](?:sig|code)=/], 'a?code=1')).toBe(6);
    expect(find([/a[^\t-\r ]+b/], 'a\u00e9b')).toBe(3); // é is two bytes, both taken by the negated class
    expect(find([/a[b-d]b/], 'a\u00e9b')).toBe(-1);
    expect(find([/"[ \x80-\xff]*\{/], '"\u3000{')).toBe(4);
  });

  it('never matches across a newline, and starts over after one', () => {
    expect(find(['key'], 'ke\ny')).toBe(-1);
    expect(find([/a[^\t-\r]*c/], 'a\nc')).toBe(-1);
    expect(find(['key'], 'ke\nkey')).toBe(5);
  });

  it('refuses what it cannot read, rather than matching less', () => {
    for (const bad of [/a\sb/, /a.b/, /^a/, /a$/, /(?<!x)a/, /(a)/, /a|[\n]/, /[^a]/, /\bkey/, /a/i, /(?:ab)+/, /\d/]) {
      expect(() => parseTriggerPattern(bad), String(bad)).toThrow();
    }
    expect(() => compileScanner([parseTriggerPattern(/a*/)[0]!])).toThrow(/empty/);
  });

  it('reads every trigger of the built-in rules', () => {
    for (const rule of REDACTION_RULES) {
      expect(rule.trigger, rule.id).toBeDefined();
      for (const p of rule.trigger?.patterns ?? []) expect(parseTriggerPattern(p).length).toBeGreaterThan(0);
    }
    expect(new RedactionEngine().lineSkipper()).not.toBeNull();
  });
});
