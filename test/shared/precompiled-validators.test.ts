/**
 * The manifest and analysis validators are precompiled (scripts/generate-validators.ts, ajv
 * standalone code) so the CLI does not load ajv. These tests hold them to the schemas: the
 * committed files are exactly what the generator makes from today's schemas and ajv, and each
 * accepts and rejects exactly what a freshly compiled ajv validator does, with the same errors.
 */
import { readFile, readdir } from 'node:fs/promises';
import type { ErrorObject } from 'ajv';
import fc from 'fast-check';
import { list as listTar } from 'tar';
import { describe, expect, it } from 'vitest';
import { validate as precompiledAnalysis } from '../../analyzer/reports/analysis-validator.generated.js';
import { manifestProblems } from '../../shared/bundle/validate.js';
import { validate as precompiledManifest } from '../../shared/bundle/manifest-validator.generated.js';
import { compileFresh, generateValidatorSource, PRECOMPILED_VALIDATORS } from '../../scripts/generate-validators.js';
import { FIXTURES } from '../analyzer/reports/fixtures.js';

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ROOT = new URL('../../', import.meta.url);
const byFile = (file: string) => {
  const validator = PRECOMPILED_VALIDATORS.find((v) => v.file === file);
  if (!validator) throw new Error(`no precompiled validator ${file}`);
  return validator;
};
const MANIFEST = byFile('shared/bundle/manifest-validator.generated.ts');
const ANALYSIS = byFile('analyzer/reports/analysis-validator.generated.ts');

/** Every shipped sample's manifest.json, as stored. */
async function sampleManifests(): Promise<Json[]> {
  const dir = new URL('samples/', ROOT);
  const out: Json[] = [];
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.tgz')).sort()) {
    const chunks: Buffer[] = [];
    await listTar({
      file: new URL(name, dir).pathname,
      onReadEntry: (entry) => {
        if (/^[^/]+\/manifest\.json$/.test(entry.path)) entry.on('data', (c: Buffer) => chunks.push(c));
        else entry.resume();
      },
    });
    out.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
  }
  return out;
}

/**
 * The manifest with one artifact per shape (source kind, status, fields present): the mutations
 * then land on every kind of entry, not mostly on the hundredth ok file.
 */
function oneArtifactPerShape(manifest: Json): Json {
  const m = manifest as { artifacts: { source: { kind: string }; status: string }[] };
  const seen = new Set<string>();
  const artifacts = m.artifacts.filter((a) => {
    const shape = `${a.source.kind}|${a.status}|${Object.keys(a).sort().join(',')}`;
    if (seen.has(shape)) return false;
    seen.add(shape);
    return true;
  });
  return { ...m, artifacts } as unknown as Json;
}

/** Paths to every value in `doc`, the root included. */
function pathsOf(doc: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (doc !== null && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

type Mutation = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

function mutate(doc: Json, path: (string | number)[], mutation: Mutation): unknown {
  const copy = structuredClone(doc) as unknown;
  if (path.length === 0) {
    if (mutation.kind === 'set') return mutation.value;
    if (mutation.kind === 'add' && copy !== null && typeof copy === 'object' && !Array.isArray(copy)) (copy as Record<string, unknown>)[mutation.key] = mutation.value;
    return copy;
  }
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (mutation.kind === 'set') parent[last] = mutation.value;
  else if (mutation.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[mutation.key] = mutation.value;
    else if (Array.isArray(target)) target.push(mutation.value);
  }
  return copy;
}

// Values near what the schemas check: patterns, date-time, lengths counted in code points, enums,
// integer and minimum bounds, nullable types.
const TRICKY: unknown[] = [
  '', ' ', '1.0', '1.12', '1.x', '2.0', '01.0',
  '2026-11-22T09:33:21Z', '2026-11-22T09:33:21.123456+05:30', '2026-11-22t09:33:21z', '2026-11-22 09:33:21Z', '2026-11-22T09:33:21', '2026-13-45T99:99:99Z', '2026-11-22T09:33:21Z\n',
  'a'.repeat(4096), 'a'.repeat(4097), '😀'.repeat(4096), '😀'.repeat(4097), 'x'.repeat(8192), 'x'.repeat(8193), '😀'.repeat(8192), '\ud83d'.repeat(8193),
  '/abs/path', 'a/../b', '..', './a', 'a/./b', 'a\\b', 'a\u0000b', 'nodes/n1/x.txt', 'a//b', '.hidden/x',
  '0'.repeat(64), 'f'.repeat(64), 'F'.repeat(64), 'g'.repeat(64), '0'.repeat(63), '0123456789abcdef', '0123456789ABCDEF',
  'ok', 'absent', 'failed', 'forbidden', 'timeout', 'truncated', 'skipped', 'maybe', 'cluster', 'node', 'pack', 'merge', 'lab',
  'complete', 'partial', 'file', 'command', 'api', 'derived', 'hand', 'cni-evidence', 'critical', 'warning', 'info', 'high', 'low',
  0, -0, 1, -1, 1.5, -0.5, 2 ** 53, 1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null, [], {}, [''], ['a', 'b'], { kind: 'file' }, { kind: 'file', path: 'p' },
  { kind: 'command', argv: [] }, { kind: 'command', argv: ['x'] }, { kind: 'api', path: '/api' }, { kind: 'hand', extra: 1 }, { a: 1 }, { a: -1 }, { a: 1.5 },
];

const mutation = (keys: string[]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), value: fc.oneof(fc.constantFrom(...TRICKY), fc.jsonValue({ maxDepth: 2 })) }),
    fc.constant({ kind: 'delete' as const }),
    fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), value: fc.oneof(fc.constantFrom(...TRICKY), fc.jsonValue({ maxDepth: 1 })) }),
  );

function keysOf(doc: Json): string[] {
  const keys = new Set<string>();
  for (const path of pathsOf(doc)) for (const step of path) if (typeof step === 'string') keys.add(step);
  return [...keys];
}

/** The precompiled and the fresh validator agree on `data`: same verdict, same errors. */
function expectSameVerdict(precompiled: Validator, fresh: Validator, data: unknown): boolean {
  const verdict = precompiled(data);
  expect(verdict).toBe(fresh(data));
  expect(precompiled.errors ?? null).toEqual(fresh.errors ?? null);
  return verdict;
}

function agreeOnMutations(precompiled: Validator, fresh: Validator, corpus: Json[], numRuns: number): { accepted: number; rejected: number } {
  const keys = [...new Set(corpus.flatMap(keysOf))];
  const tally = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(fc.nat(corpus.length - 1), fc.nat(), fc.array(mutation(keys), { minLength: 1, maxLength: 3 }), (which, where, mutations) => {
      let doc: Json = corpus[which]!;
      for (const m of mutations) {
        const paths = pathsOf(doc);
        doc = mutate(doc, paths[where % paths.length]!, m) as Json;
      }
      if (expectSameVerdict(precompiled, fresh, doc)) tally.accepted += 1;
      else tally.rejected += 1;
    }),
    { numRuns },
  );
  return tally;
}

describe('precompiled validators', () => {
  it.each(PRECOMPILED_VALIDATORS.map((v) => [v.file, v] as const))('%s is what the generator makes from the schema now (else: npm run validators)', async (file, validator) => {
    const committed = await readFile(new URL(file, ROOT), 'utf8');
    expect(committed === generateValidatorSource(validator), `${file} is out of date with ${validator.source}: run npm run validators`).toBe(true);
  });

  it.each(PRECOMPILED_VALIDATORS.map((v) => [v.file] as const))('%s imports nothing (no ajv at run time)', async (file) => {
    const code = await readFile(new URL(file, ROOT), 'utf8');
    expect(code).not.toMatch(/^\s*import\b|\brequire\(|\bimport\(/m);
  });

  describe('manifest', async () => {
    const fresh = compileFresh(MANIFEST.schema) as Validator;
    const samples = await sampleManifests();

    it('accepts every shipped sample manifest, as ajv does', () => {
      expect(samples.length).toBeGreaterThan(20);
      for (const manifest of samples) expect(expectSameVerdict(precompiledManifest, fresh, manifest)).toBe(true);
    });

    it('rejects what ajv rejects, with the same errors, on mutated manifests', () => {
      const tally = agreeOnMutations(precompiledManifest, fresh, samples.map(oneArtifactPerShape), 4000);
      // Both outcomes must be well represented, or the comparison proves little.
      expect(tally.accepted).toBeGreaterThan(100);
      expect(tally.rejected).toBeGreaterThan(1000);
    });

    it.each<[string, (m: Record<string, any>) => void]>([
      ['a path of 4096 astral characters (8192 UTF-16 units): within maxLength, counted in code points', (m) => (m.artifacts[0].path = '😀'.repeat(4096))],
      ['a path of 4097 astral characters', (m) => (m.artifacts[0].path = '😀'.repeat(4097))],
      ['a lower-case date-time (the format is case-insensitive)', (m) => (m.createdAt = '2026-11-22t09:33:21z')],
      ['a date-time without a zone', (m) => (m.createdAt = '2026-11-22T09:33:21')],
      ['a source matching no oneOf branch', (m) => (m.artifacts[0].source = { kind: 'file', argv: ['x'] })],
      ['a source matching two kinds of field', (m) => (m.artifacts[0].source = { kind: 'derived', path: 'x' })],
      ['an upper-case sha256', (m) => (m.artifacts[0].sha256 = 'A'.repeat(64))],
      ['a ".." path segment', (m) => (m.artifacts[0].path = 'nodes/../etc/passwd')],
      ['a negative redaction count', (m) => (m.redaction.totals = { jwt: -1 })],
      ['everything wrong at once (all errors are reported)', (m) => Object.assign(m, { formatVersion: 1, tool: {}, mode: 'x', extra: true, artifacts: [{}] })],
    ])('%s: same verdict and errors', (_what, edit) => {
      const manifest = structuredClone(samples[0]) as Record<string, any>;
      edit(manifest);
      expectSameVerdict(precompiledManifest, fresh, manifest);
    });

    it('manifestProblems reads the precompiled errors as before', () => {
      const manifest = structuredClone(samples[0]) as Record<string, any>;
      manifest.artifacts[0].status = 'maybe';
      manifest.surprise = 1;
      expect(manifestProblems(manifest)).toEqual([
        '(top level): must NOT have additional properties (surprise)',
        '/artifacts/0/status: must be equal to one of the allowed values (ok, absent, failed, forbidden, timeout, truncated, skipped)',
      ]);
    });
  });

  describe('analysis result', () => {
    const fresh = compileFresh(ANALYSIS.schema) as Validator;
    const fixtures = Object.values(FIXTURES).map((f) => JSON.parse(JSON.stringify(f)) as Json);

    it('accepts every report fixture, as ajv does', () => {
      for (const fixture of fixtures) expect(expectSameVerdict(precompiledAnalysis, fresh, fixture)).toBe(true);
    });

    it('rejects what ajv rejects, with the same errors, on mutated results', () => {
      const tally = agreeOnMutations(precompiledAnalysis, fresh, fixtures, 4000);
      expect(tally.accepted).toBeGreaterThan(100);
      expect(tally.rejected).toBeGreaterThan(1000);
    });
  });
});
