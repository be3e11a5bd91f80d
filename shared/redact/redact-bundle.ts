/**
 * `cni-evidence redact <bundle>`: rewrites an existing bundle through the redaction engine (and,
 * with an obfuscation setup, the pseudonymizer), streaming file by file into a new bundle whose
 * manifest carries the counts, `redaction.enabled: true`, and fresh checksums. Entry facts
 * (source, status, timings, truncation, earlier counts) carry over; the input is never replaced
 * unless the caller asks for it, and then only by an atomic rename once the new bundle is whole.
 */
import { resolve } from 'node:path';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import type { ArtifactEntry, ArtifactSource, Manifest, ManifestRequest } from '../bundle/manifest-schema.js';
import { readBundle, type ReadOptions } from '../bundle/reader.js';
import { BundleWriter, type ArtifactInput } from '../bundle/writer.js';
import { discoverNames } from '../obfuscate/discover.js';
import { Obfuscator, type ObfuscationSetup } from '../obfuscate/obfuscator.js';
import { addCounts } from './engine.js';
import { createRedactionFilter } from './filter.js';
import { rewriteText } from './lines.js';

export interface RedactBundleOptions extends ReadOptions {
  /** Replace secrets (default true); false with `obfuscation` only pseudonymizes. */
  redact?: boolean;
  /** Pseudonymize names and addresses too, with this key and mapping. */
  obfuscation?: ObfuscationSetup;
  /** Replace an existing output file that is not the input. */
  overwrite?: boolean;
  /** Allow the output to be the input itself. */
  inPlace?: boolean;
}

export interface RedactBundleResult {
  path: string;
  manifest: Manifest;
  /** Where the mapping was written, and how many names and addresses it holds. */
  mapping?: { file: string; names: number; addresses: number; keyId: string; keyCreated: boolean; keyFile: string };
}

type Mapper = (text: string) => string;

function mapSource(source: ArtifactSource, map: Mapper): ArtifactSource {
  switch (source.kind) {
    case 'file':
      return { kind: 'file', path: map(source.path) };
    case 'command':
      return { kind: 'command', argv: source.argv.map(map) };
    case 'api':
      return { ...source, path: map(source.path) };
    default: {
      const out: ArtifactSource = { kind: source.kind };
      if (source.from) out.from = source.from.map(map);
      if (source.note !== undefined) out.note = map(source.note);
      return out;
    }
  }
}

function mapDeep(value: unknown, map: Mapper): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, map));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapDeep(v, map)]));
  return value;
}

function mapRequest(request: ManifestRequest, map: Mapper, context: Mapper): ManifestRequest {
  // `--context <name>` in argv names the same context as `request.context`.
  const arg: Mapper = (a) => (request.context !== undefined && a === request.context ? context(a) : map(a));
  const out: ManifestRequest = {
    namespaces: request.namespaces.map(map),
    pods: request.pods.map(map),
    nodes: request.nodes.map(map),
    options: mapDeep(request.options, map) as ManifestRequest['options'],
  };
  if (request.argv) out.argv = request.argv.map(arg);
  if (request.selector !== undefined) out.selector = map(request.selector);
  if (request.context !== undefined) out.context = context(request.context);
  return out;
}

function inputFor(entry: ArtifactEntry, map: Mapper): ArtifactInput {
  const input: ArtifactInput = {
    path: map(entry.path),
    source: mapSource(entry.source, map),
    node: entry.node === null ? null : map(entry.node),
    status: entry.status,
    startedAt: entry.startedAt,
    durationMs: entry.durationMs,
  };
  if (entry.sourceId !== undefined) input.sourceId = entry.sourceId;
  if (entry.exitCode !== undefined) input.exitCode = entry.exitCode;
  if (entry.signal !== undefined) input.signal = entry.signal;
  if (entry.stderrExcerpt !== undefined) input.stderrExcerpt = map(entry.stderrExcerpt);
  if (entry.error !== undefined) input.error = map(entry.error);
  if (entry.fileMode !== undefined) input.fileMode = entry.fileMode;
  if (entry.fileMtime !== undefined) input.fileMtime = entry.fileMtime;
  return input;
}

export async function redactBundle(input: string, output: string, options: RedactBundleOptions = {}): Promise<RedactBundleResult> {
  const redact = options.redact !== false;
  const sameFile = resolve(input) === resolve(output);
  if (sameFile && !options.inPlace) {
    throw new CniEvidenceError({
      code: ERROR_CODES.OUTPUT_EXISTS,
      message: `refusing to overwrite the input bundle ${input}`,
      hint: 'Write the redacted bundle elsewhere with -o, or pass --in-place to replace the original once the new one is complete.',
      file: input,
    });
  }
  const readOptions: ReadOptions = options.limits ? { limits: options.limits } : {};
  // First pass: the manifest, the integrity check, and the names to pseudonymize.
  const { result: first, names } = await discoverNames(input, readOptions);
  const original = first.manifest;
  if (!first.integrity.ok) {
    const problem = first.integrity.problems[0]!;
    throw new CniEvidenceError({
      code: ERROR_CODES.INTEGRITY,
      message: `${input} fails its own integrity check (${first.integrity.problems.length} problem(s), first: ${problem.message})`,
      hint: 'Rewriting it would give damaged evidence fresh checksums. Run `cni-evidence inspect` on it, and collect or copy it again.',
      file: input,
    });
  }
  if (options.obfuscation && original.redaction.obfuscated) {
    throw new CniEvidenceError({
      code: ERROR_CODES.ALREADY_OBFUSCATED,
      message: `${input} is already pseudonymized (key ${original.redaction.keyId ?? 'unknown'})`,
      hint: 'Pseudonymizing twice would lose the way back to the real names. Redact it without --obfuscate, or start from the original bundle.',
      file: input,
    });
  }
  let obfuscator: Obfuscator | null = null;
  if (options.obfuscation) {
    obfuscator = new Obfuscator(options.obfuscation);
    obfuscator.register(names);
  }
  const line: Mapper = obfuscator ? (l) => obfuscator!.line(l) : (l) => l;
  const map: Mapper = obfuscator ? (text) => rewriteText(text, line) : (text) => text;
  const topFolder = first.topFolder === '.' || first.topFolder === '' ? undefined : map(first.topFolder);

  const writer = await BundleWriter.create(output, {
    mode: original.mode,
    request: mapRequest(original.request, map, obfuscator ? (c) => obfuscator!.context(c) : (c) => c),
    ...(topFolder !== undefined ? { topFolder } : {}),
    redaction: { ...original.redaction, enabled: redact || original.redaction.enabled },
    filter: createRedactionFilter({
      redact,
      ...(obfuscator ? { then: () => line, obfuscation: { keyId: obfuscator.keyId } } : {}),
    }),
    overwrite: options.overwrite === true || sameFile,
    now: () => new Date(original.createdAt),
  });

  const artifacts = original.artifacts;
  const index = new Map(artifacts.map((a, i) => [a.path, i]));
  const done = new Set<number>();
  let cursor = 0;
  const recordEmpty = (entry: ArtifactEntry, i: number, status?: ArtifactEntry['status'], error?: string) => {
    done.add(i);
    const fields = inputFor(entry, map);
    const given = status ?? entry.status;
    const written = writer.record({ ...fields, status: given === 'ok' || given === 'truncated' ? 'failed' : given, ...(error !== undefined ? { error } : {}) });
    if (entry.truncatedFromBytes !== undefined) written.truncatedFromBytes = entry.truncatedFromBytes;
    if (entry.redactions !== undefined) written.redactions = { ...entry.redactions };
  };
  try {
    await readBundle(
      input,
      {
        async onFile(file, content) {
          const i = file.artifact ? index.get(file.path) : undefined;
          if (i !== undefined) {
            // Keep the manifest's order: entries without content that came before this one go first.
            for (; cursor < i; cursor++) if (!done.has(cursor) && artifacts[cursor]!.sha256 === null) recordEmpty(artifacts[cursor]!, cursor);
            cursor = Math.max(cursor, i + 1);
            done.add(i);
          }
          const entry = file.artifact;
          const fields: ArtifactInput = entry
            ? inputFor(entry, map)
            : { path: map(file.path), source: { kind: 'hand', note: 'not listed in the manifest of the bundle it was redacted from' }, node: /^nodes\/([^/]+)\//.exec(map(file.path))?.[1] ?? null };
          const written = await writer.write(fields, content, entry?.truncatedFromBytes !== undefined ? { truncatedFromBytes: entry.truncatedFromBytes } : {});
          if (entry) {
            written.status = entry.status;
            if (entry.truncatedFromBytes !== undefined) written.truncatedFromBytes = entry.truncatedFromBytes;
            if (entry.redactions !== undefined) written.redactions = addCounts({ ...entry.redactions }, written.redactions);
          }
        },
      },
      readOptions,
    );
    artifacts.forEach((entry, i) => {
      if (done.has(i)) return;
      if (entry.sha256 === null) recordEmpty(entry, i);
      else recordEmpty(entry, i, 'failed', 'listed in the manifest but missing from the bundle it was redacted from');
    });
    const finished = await writer.finalize({ completion: original.completion });
    const result: RedactBundleResult = { path: finished.path, manifest: finished.manifest };
    if (obfuscator) {
      const table = await obfuscator.save({ output: finished.path, createdAt: original.createdAt });
      const key = obfuscator.setup.key;
      result.mapping = { file: obfuscator.setup.mappingFile, names: table.names.length, addresses: table.addresses.length, keyId: key.keyId, keyCreated: key.created, keyFile: key.file };
    }
    return result;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
