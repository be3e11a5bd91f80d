/**
 * `cni-evidence merge`: joins node bundles (collect --node-only, the lab) and at most one cluster
 * bundle into one. Entries keep their manifest facts (source, status, timings, truncation); the
 * content is re-hashed on the way through, and an input that fails its own integrity check is
 * refused rather than silently "repaired".
 */
import { CniEvidenceError, ERROR_CODES } from '../shared/errors.js';
import type { ArtifactEntry, Manifest } from '../shared/bundle/manifest-schema.js';
import { readBundle } from '../shared/bundle/reader.js';
import { BundleWriter } from '../shared/bundle/writer.js';

export interface MergeOptions {
  overwrite?: boolean;
  /** The command line, recorded in the manifest. */
  argv?: string[];
}

function sameEvidence(a: ArtifactEntry, b: ArtifactEntry): boolean {
  return a.sha256 === b.sha256 && a.status === b.status && a.bytes === b.bytes && JSON.stringify(a.source) === JSON.stringify(b.source);
}

function inputFor(entry: ArtifactEntry) {
  return {
    path: entry.path,
    source: entry.source,
    node: entry.node,
    ...(entry.sourceId !== undefined ? { sourceId: entry.sourceId } : {}),
    ...(entry.exitCode !== undefined ? { exitCode: entry.exitCode } : {}),
    ...(entry.signal !== undefined ? { signal: entry.signal } : {}),
    ...(entry.stderrExcerpt !== undefined ? { stderrExcerpt: entry.stderrExcerpt } : {}),
    startedAt: entry.startedAt,
    durationMs: entry.durationMs,
    ...(entry.error !== undefined ? { error: entry.error } : {}),
    ...(entry.fileMode !== undefined ? { fileMode: entry.fileMode } : {}),
    ...(entry.fileMtime !== undefined ? { fileMtime: entry.fileMtime } : {}),
  };
}

/** Carries over what the writer cannot be told (truncation size, redaction counts) and checks the bytes match. */
function restore(written: ArtifactEntry, original: ArtifactEntry, input: string): void {
  written.status = original.status;
  if (original.truncatedFromBytes !== undefined) written.truncatedFromBytes = original.truncatedFromBytes;
  if (original.redactions !== undefined) written.redactions = original.redactions;
  if (written.sha256 !== original.sha256) {
    throw new CniEvidenceError({
      code: ERROR_CODES.MANIFEST_INVALID,
      message: `${input}: ${original.path} does not match its manifest checksum`,
      hint: 'That input bundle was changed or damaged after it was written; collect it again.',
      file: input,
    });
  }
}

export async function mergeBundles(inputs: string[], out: string, options: MergeOptions = {}): Promise<{ path: string; manifest: Manifest }> {
  if (inputs.length === 0) {
    throw new CniEvidenceError({ code: ERROR_CODES.USAGE, message: 'nothing to merge', hint: 'Pass the node bundles (and the cluster bundle) to merge.' });
  }
  // First pass: manifests only, to refuse conflicts before writing anything.
  const manifests: Manifest[] = [];
  for (const input of inputs) {
    let manifest: Manifest | undefined;
    await readBundle(input, {
      onManifest(m) {
        manifest = m;
      },
      onFile(_file, content) {
        content.resume();
      },
    });
    manifests.push(manifest!);
  }
  const clusterInputs = inputs.filter((_, i) => manifests[i]!.mode === 'cluster');
  if (clusterInputs.length > 1) {
    throw new CniEvidenceError({
      code: ERROR_CODES.MERGE_CONFLICT,
      message: `more than one cluster bundle: ${clusterInputs.join(', ')}`,
      hint: 'Merge node bundles into one cluster bundle at a time; two cluster snapshots would contradict each other.',
    });
  }
  const owner = new Map<string, { entry: ArtifactEntry; input: string }>();
  const skip = inputs.map(() => new Set<string>());
  manifests.forEach((manifest, index) => {
    const input = inputs[index]!;
    for (const entry of manifest.artifacts) {
      const previous = owner.get(entry.path);
      if (!previous) {
        owner.set(entry.path, { entry, input });
        continue;
      }
      if (!sameEvidence(previous.entry, entry)) {
        throw new CniEvidenceError({
          code: ERROR_CODES.MERGE_CONFLICT,
          message: `${entry.path} is in both ${previous.input} and ${input} with different content`,
          hint: 'Two bundles hold different evidence under one path (the same node collected twice?). Merge only one collection per node.',
          file: entry.path,
        });
      }
      skip[index]!.add(entry.path);
    }
  });

  const union = (pick: (m: Manifest) => string[] | undefined) => [...new Set(manifests.flatMap((m) => pick(m) ?? []))];
  const partial = manifests
    .map((m, i) => (m.completion.state === 'partial' ? `${inputs[i]}: ${m.completion.reason ?? 'partial'}` : null))
    .filter((r): r is string => r !== null);
  const writer = await BundleWriter.create(out, {
    mode: 'merge',
    request: {
      namespaces: union((m) => m.request.namespaces),
      pods: union((m) => m.request.pods),
      nodes: union((m) => m.request.nodes),
      options: { inputs: inputs.map((input, i) => ({ input, mode: manifests[i]!.mode, createdAt: manifests[i]!.createdAt })) },
      ...(options.argv ? { argv: options.argv } : {}),
    },
    redaction: {
      enabled: manifests.every((m) => m.redaction.enabled),
      ...(manifests.some((m) => m.redaction.obfuscated) ? { obfuscated: true } : {}),
    },
    ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
  });
  try {
    for (const [index, input] of inputs.entries()) {
      const manifest = manifests[index]!;
      for (const entry of manifest.artifacts) {
        if (entry.sha256 === null && !skip[index]!.has(entry.path)) {
          writer.record({ ...inputFor(entry), status: entry.status === 'ok' || entry.status === 'truncated' ? 'failed' : entry.status });
        }
      }
      const { integrity } = await readBundle(input, {
        async onFile(file, content) {
          const entry = file.artifact;
          if (!entry || entry.sha256 === null || skip[index]!.has(entry.path)) {
            content.resume();
            return;
          }
          const written = await writer.write(inputFor(entry), content);
          restore(written, entry, input);
        },
      });
      if (!integrity.ok) {
        throw new CniEvidenceError({
          code: ERROR_CODES.MANIFEST_INVALID,
          message: `${input} fails its integrity check: ${integrity.problems.map((p) => p.message).slice(0, 3).join('; ')}`,
          hint: 'That input bundle was changed or damaged after it was written; collect it again.',
          file: input,
        });
      }
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finalize({ completion: partial.length === 0 ? { state: 'complete' } : { state: 'partial', reason: partial.join('; ') } });
}
