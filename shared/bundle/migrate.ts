/**
 * Older manifests are upgraded in memory so every reader sees format v1.
 * 0.9 was the pre-release draft (`version`, `generated`, `files[]`), written by the first field
 * scripts; docs/bundle-format.md describes it.
 */
import type { ArtifactEntry, Manifest } from './manifest-schema.js';
import { FORMAT_VERSION } from './version.js';

interface LegacyFile09 {
  name: string;
  sha256?: string | null;
  size?: number;
  node?: string | null;
  cmd?: string | null;
  path?: string | null;
  error?: string | null;
  collected?: string;
}

interface LegacyManifest09 {
  version: string;
  generated: string;
  tool?: string;
  files: LegacyFile09[];
}

export function isLegacyManifest09(value: unknown): value is LegacyManifest09 {
  const v = value as Partial<LegacyManifest09> | null;
  return typeof v === 'object' && v !== null && typeof v.version === 'string' && /^0\./.test(v.version) && Array.isArray(v.files);
}

export function migrateLegacy09(legacy: LegacyManifest09): Manifest {
  const artifacts: ArtifactEntry[] = legacy.files.map((file) => {
    const hasContent = typeof file.sha256 === 'string' && file.sha256.length === 64;
    const entry: ArtifactEntry = {
      path: file.name,
      source: file.cmd
        ? { kind: 'command', argv: file.cmd.split(/\s+/).filter(Boolean) }
        : file.path
          ? { kind: 'file', path: file.path }
          : { kind: 'hand', note: 'migrated from a 0.9 bundle' },
      node: file.node ?? null,
      status: file.error ? 'failed' : hasContent ? 'ok' : 'absent',
      bytes: hasContent ? file.size ?? 0 : 0,
      sha256: hasContent ? (file.sha256 as string) : null,
      startedAt: file.collected ?? legacy.generated,
      durationMs: 0,
    };
    if (file.error) entry.error = file.error;
    return entry;
  });
  return {
    formatVersion: FORMAT_VERSION,
    tool: { name: 'cni-evidence', version: legacy.tool ?? `legacy-${legacy.version}` },
    createdAt: legacy.generated,
    mode: 'pack',
    request: { namespaces: [], pods: [], nodes: [], options: {} },
    completion: { state: 'complete' },
    redaction: { enabled: false },
    migratedFrom: legacy.version,
    artifacts,
  };
}
