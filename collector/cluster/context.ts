/**
 * What every cluster source gets, and the one way they turn an API answer into an artifact: the
 * content when the call worked, otherwise a manifest entry whose status says why not
 * (`forbidden` with the server's message, `timeout`, `failed`, `absent`, `skipped` after Ctrl-C).
 */
import { Readable } from 'node:stream';
import type { ArtifactEntry, ArtifactSource, ArtifactStatus } from '../../shared/bundle/manifest-schema.js';
import type { ArtifactContent, BundleWriter, WriteOptions } from '../../shared/bundle/writer.js';
import type { ApiCallInfo, ApiFail, ApiResult, KubeApi, KubeList } from './api.js';
import type { AccessReport } from './preflight.js';
import type { Progress } from './progress.js';
import type { Discovery, Json, PodObject, Scope } from './scope.js';

export interface ClusterCollectSettings {
  /** Lines of each container log (kubectl logs --tail). */
  tailLines: number;
  /** Only log lines this recent (kubectl logs --since). */
  sinceSeconds?: number;
  /** Cap per artifact; logs keep their tail. */
  maxBytes: number;
  /** kube-system and the CNI namespaces that exist in this cluster. */
  evidenceNamespaces: string[];
}

export interface ClusterContext {
  api: KubeApi;
  writer: BundleWriter;
  discovery: Discovery;
  scope: Scope;
  settings: ClusterCollectSettings;
  preflight: AccessReport | null;
  signal: AbortSignal;
  /** When the collection started: ages in describe texts are relative to it. */
  now: Date;
  progress: Progress;
  /** Pods of an evidence namespace, fetched once for every source that needs them. */
  namespacePods(namespace: string): Promise<ApiResult<KubeList<PodObject>>>;
}

export function apiSource(call: Pick<ApiCallInfo, 'method' | 'path'>): ArtifactSource {
  return { kind: 'api', method: call.method, path: call.path };
}

export function failureStatus(fail: ApiFail): Exclude<ArtifactStatus, 'ok' | 'truncated'> {
  return fail.kind === 'interrupted' ? 'skipped' : fail.kind;
}

export function failureText(fail: ApiFail): string {
  if (fail.kind === 'interrupted') return 'not collected: the collection was interrupted';
  return fail.code !== null && fail.kind !== 'forbidden' ? `${fail.message} (HTTP ${fail.code})` : fail.message;
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Without managedFields, as `kubectl get -o json` prints objects since 1.21. */
export function withoutManagedFields<T extends Json>(object: T): T {
  const meta = object.metadata as Json | undefined;
  if (!meta || !('managedFields' in meta)) return object;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...object, metadata: rest };
}

/**
 * A list as `kubectl get -o json` writes it: items carry their own kind and apiVersion (the API
 * leaves them out of list items), the list keeps its typed kind (`PodList`).
 */
export function kubectlList(list: KubeList<Json> | null, kind: string, apiVersion: string, items?: readonly Json[]): Json {
  const source = items ?? list?.items ?? [];
  return {
    apiVersion,
    kind: `${kind}List`,
    metadata: { resourceVersion: list?.metadata?.resourceVersion ?? '' },
    items: source.map((item) => {
      const { apiVersion: _a, kind: _k, ...rest } = withoutManagedFields(item);
      return { apiVersion, kind, ...rest };
    }),
  };
}

/**
 * The same bytes as `jsonText(kubectlList(...))`, produced item by item: a 1,000-pod list never
 * exists as one multi-megabyte string.
 */
export function kubectlListStream(list: KubeList<Json> | null, kind: string, apiVersion: string, items?: readonly Json[]): Readable {
  const source = items ?? list?.items ?? [];
  const resourceVersion = list?.metadata?.resourceVersion ?? '';
  function* chunks(): Generator<Buffer> {
    const head = `{\n  "apiVersion": ${JSON.stringify(apiVersion)},\n  "kind": ${JSON.stringify(`${kind}List`)},\n  "metadata": {\n    "resourceVersion": ${JSON.stringify(resourceVersion)}\n  },\n  "items": [`;
    if (source.length === 0) {
      yield Buffer.from(`${head}]\n}\n`);
      return;
    }
    yield Buffer.from(`${head}\n`);
    for (let i = 0; i < source.length; i += 1) {
      const { apiVersion: _a, kind: _k, ...rest } = withoutManagedFields(source[i]!);
      const text = JSON.stringify({ apiVersion, kind, ...rest }, null, 2).replace(/\n/g, '\n    ');
      yield Buffer.from(`    ${text}${i < source.length - 1 ? ',' : ''}\n`);
    }
    yield Buffer.from('  ]\n}\n');
  }
  return Readable.from(chunks());
}

export interface ArtifactTarget {
  path: string;
  sourceId: string;
  node?: string | null;
}

/** Records an artifact that could not be collected because the API call failed. */
export function recordFailure(ctx: Pick<ClusterContext, 'writer'>, target: ArtifactTarget, fail: ApiFail, source: ArtifactSource = apiSource(fail)): ArtifactEntry {
  return ctx.writer.record({
    path: target.path,
    sourceId: target.sourceId,
    node: target.node ?? null,
    source,
    status: failureStatus(fail),
    error: failureText(fail),
    startedAt: fail.startedAt,
    durationMs: fail.durationMs,
  });
}

/** Writes an API answer as an artifact, or records why there is none. */
export async function writeApiResult<T>(
  ctx: Pick<ClusterContext, 'writer'>,
  target: ArtifactTarget,
  result: ApiResult<T>,
  render: (value: T) => ArtifactContent,
  options: WriteOptions = {},
): Promise<ArtifactEntry> {
  if (!result.ok) return recordFailure(ctx, target, result);
  return ctx.writer.write(
    { path: target.path, sourceId: target.sourceId, node: target.node ?? null, source: apiSource(result), startedAt: result.startedAt, durationMs: result.durationMs },
    render(result.value),
    options,
  );
}

/**
 * Writes content gathered from several calls. When some failed the content is still kept, and
 * the entry carries the first failure's status and every failure's text: partial evidence is
 * evidence, and the manifest says what is missing from it.
 */
export async function writeCombined(
  ctx: Pick<ClusterContext, 'writer'>,
  target: ArtifactTarget,
  calls: ReadonlyArray<ApiResult<unknown>>,
  content: ArtifactContent,
  options: WriteOptions = {},
): Promise<ArtifactEntry> {
  const failures = calls.filter((c): c is ApiFail => !c.ok && c.kind !== 'absent');
  const startedAt = calls.reduce<Date | null>((min, c) => (min === null || c.startedAt < min ? c.startedAt : min), null) ?? new Date();
  const end = calls.reduce((max, c) => Math.max(max, c.startedAt.getTime() + c.durationMs), startedAt.getTime());
  const paths = calls.map((c) => c.path);
  const source: ArtifactSource = { kind: 'api', method: 'GET', path: paths.length <= 3 ? paths.join(' + ') || '/api/v1' : `${paths.slice(0, 3).join(' + ')} + ${paths.length - 3} more` };
  if (calls.length > 0 && failures.length === calls.length) return recordFailure(ctx, target, failures[0]!, source);
  const first = failures[0];
  return ctx.writer.write(
    {
      path: target.path,
      sourceId: target.sourceId,
      node: target.node ?? null,
      source,
      startedAt,
      durationMs: end - startedAt.getTime(),
      ...(first ? { status: failureStatus(first), error: failures.map((f) => `${f.path}: ${failureText(f)}`).join('; ') } : {}),
    },
    content,
    options,
  );
}
