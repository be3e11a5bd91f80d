/**
 * The redaction filter the bundle writer runs every artifact through (collection, `redact`), and
 * the clean-up of the text the manifest carries itself: the command line (a `--token` flag), the
 * request options, commands' stderr excerpts and error messages. Totals per rule land in
 * `redaction.totals`; the values never leave this process.
 */
import type { Manifest } from '../bundle/manifest-schema.js';
import type { ContentFilter } from '../bundle/writer.js';
import { addCounts, RedactionEngine, type RedactionCounts, type RedactionEngineOptions } from './engine.js';
import { createLineTransform, rewriteText } from './lines.js';
import { isHarmlessValue, isSensitiveName } from './names.js';
import { marker, type RedactionRule } from './rule.js';
import { REDACTION_RULES } from './rules/index.js';

/** Rewrites one line after redaction (pseudonymization, when an existing bundle is rewritten). */
export type LineMapper = (line: string) => string;

export interface RedactionFilterOptions {
  /** Replace secrets (default true). False still lets `then` run, for `--no-redact --obfuscate`. */
  redact?: boolean;
  rules?: readonly RedactionRule[];
  /** Skip the lines no rule's trigger matches (default true; see RedactionEngineOptions). */
  prefilter?: boolean;
  /** A per-artifact line rewrite applied after redaction. */
  then?: () => LineMapper;
  /** Set `redaction.obfuscated` and `redaction.keyId` in the manifest. */
  obfuscation?: { keyId: string };
}

export interface RedactionFilter extends ContentFilter {
  finalizeManifest(manifest: Manifest): Manifest;
}

const FLAG_ONLY = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/;
const BY_NAME = 'env-and-config-by-name';

/** Redacts a command line: `--token X` needs the pair, `--token=X` and URLs are one argument each. */
export function redactArgv(argv: readonly string[], engine: RedactionEngine, hit: (rule: string) => void): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    out.push(engine.line(arg));
    const flag = FLAG_ONLY.exec(arg);
    const next = argv[i + 1];
    if (flag && next !== undefined && !next.startsWith('-') && isSensitiveName(flag[1]!) && !isHarmlessValue(next)) {
      out.push(marker(BY_NAME));
      hit(BY_NAME);
      i += 1;
    }
  }
  return out;
}

function redactValue(value: unknown, key: string | null, engine: RedactionEngine, hit: (rule: string) => void): unknown {
  if (typeof value === 'string') {
    if (key !== null && isSensitiveName(key) && !isHarmlessValue(value)) {
      hit(BY_NAME);
      return marker(BY_NAME);
    }
    return rewriteText(value, (line) => engine.line(line));
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, null, engine, hit));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactValue(v, k, engine, hit)]));
  }
  return value;
}

/** A copy of the manifest with secrets replaced in the text it carries, and what was replaced. */
export function redactManifestText(
  manifest: Manifest,
  rules: readonly RedactionRule[] = REDACTION_RULES,
  options: RedactionEngineOptions = {},
): { manifest: Manifest; counts: RedactionCounts } {
  const engine = new RedactionEngine(rules, options);
  const extra: RedactionCounts = {};
  const hit = (rule: string) => void (extra[rule] = (extra[rule] ?? 0) + 1);
  const fresh = () => new RedactionEngine(rules, options);
  const text = (value: string) => {
    // Each field is its own little document: a PEM state must not leak from one into the next.
    const e = fresh();
    const out = rewriteText(value, (line) => e.line(line));
    addCounts(extra, e.counts());
    return out;
  };
  const request = { ...manifest.request };
  if (request.argv) request.argv = redactArgv(request.argv, engine, hit);
  if (request.context !== undefined) request.context = text(request.context);
  if (request.selector !== undefined) request.selector = text(request.selector);
  request.options = redactValue(request.options, null, engine, hit) as typeof request.options;
  const artifacts = manifest.artifacts.map((artifact) => {
    const copy = { ...artifact };
    if (copy.error !== undefined) copy.error = text(copy.error);
    if (copy.stderrExcerpt !== undefined) copy.stderrExcerpt = text(copy.stderrExcerpt);
    if (copy.source.kind === 'command') copy.source = { ...copy.source, argv: redactArgv(copy.source.argv, engine, hit) };
    return copy;
  });
  return { manifest: { ...manifest, request, artifacts }, counts: addCounts(addCounts({}, engine.counts()), extra) };
}

/** Sums the per-artifact counts (and the manifest's own) into `redaction.totals`. */
export function totalsOf(artifacts: Manifest['artifacts'], own: RedactionCounts = {}): RedactionCounts {
  const totals: RedactionCounts = { ...own };
  for (const artifact of artifacts) addCounts(totals, artifact.redactions);
  return Object.fromEntries(Object.entries(totals).filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function createRedactionFilter(options: RedactionFilterOptions = {}): RedactionFilter {
  const redact = options.redact !== false;
  const rules = options.rules ?? REDACTION_RULES;
  const engineOptions: RedactionEngineOptions = options.prefilter === false ? { prefilter: false } : {};
  return {
    forArtifact() {
      const engine = redact ? new RedactionEngine(rules, engineOptions) : null;
      const then = options.then?.() ?? null;
      if (!engine && !then) return null;
      const rewrite = (line: string) => {
        const clean = engine ? engine.line(line) : line;
        return then ? then(clean) : clean;
      };
      // Lines the engine rules out are passed on undecoded, unless a line mapper wants every line.
      const skipper = engine && !then ? engine.lineSkipper() : null;
      return { transform: createLineTransform(rewrite, undefined, skipper), counts: () => engine?.counts() ?? {} };
    },
    finalizeManifest(manifest) {
      const cleaned = redact ? redactManifestText(manifest, rules, engineOptions) : { manifest, counts: {} };
      const totals = totalsOf(cleaned.manifest.artifacts, cleaned.counts);
      const redaction: Manifest['redaction'] = { enabled: redact || manifest.redaction.enabled };
      if (options.obfuscation || manifest.redaction.obfuscated) redaction.obfuscated = true;
      if (Object.keys(totals).length > 0 || redaction.enabled) redaction.totals = totals;
      const keyId = options.obfuscation?.keyId ?? manifest.redaction.keyId;
      if (keyId !== undefined) redaction.keyId = keyId;
      return { ...cleaned.manifest, redaction };
    },
  };
}
