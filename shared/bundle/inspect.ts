import type { ArtifactEntry, ArtifactStatus } from './manifest-schema.js';
import { ARTIFACT_STATUSES } from './manifest-schema.js';
import { isKnownPath } from './paths.js';
import { readBundle, type BundleReadResult, type ReadOptions } from './reader.js';

export interface ScopeSummary {
  /** `cluster`, or the node name. */
  scope: string;
  counts: Record<ArtifactStatus, number>;
  bytes: number;
}

export interface InspectReport {
  bundle: BundleReadResult;
  scopes: ScopeSummary[];
  /** Evidence the analyzer will miss: everything not `ok`, with why. */
  gaps: ArtifactEntry[];
  unknownPaths: string[];
}

function emptyCounts(): Record<ArtifactStatus, number> {
  return Object.fromEntries(ARTIFACT_STATUSES.map((s) => [s, 0])) as Record<ArtifactStatus, number>;
}

export async function inspectBundle(location: string, options: ReadOptions = {}): Promise<InspectReport> {
  const bundle = await readBundle(location, {}, options);
  const byScope = new Map<string, ScopeSummary>();
  for (const artifact of bundle.manifest.artifacts) {
    const scope = artifact.node ?? 'cluster';
    let summary = byScope.get(scope);
    if (!summary) byScope.set(scope, (summary = { scope, counts: emptyCounts(), bytes: 0 }));
    summary.counts[artifact.status] += 1;
    summary.bytes += artifact.bytes;
  }
  const scopes = [...byScope.values()].sort((a, b) => (a.scope === 'cluster' ? -1 : b.scope === 'cluster' ? 1 : a.scope.localeCompare(b.scope)));
  return {
    bundle,
    scopes,
    gaps: bundle.manifest.artifacts.filter((a) => a.status !== 'ok'),
    unknownPaths: bundle.manifest.artifacts.map((a) => a.path).filter((p) => !isKnownPath(p)),
  };
}
