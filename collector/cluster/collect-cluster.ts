/**
 * `cni-evidence collect`: one command, the seeds' whole evidence pack for the failing pods of any
 * cluster a kubeconfig reaches. Discovery first (what is stuck, where), a preflight of what this
 * identity may read, then the cluster sources and the node fan-out side by side, into one bundle.
 *
 * Whatever happens after the bundle is opened (a forbidden list, a node that never answers,
 * Ctrl-C, a bug in a source) the result is a valid bundle; `completion` says whether it is
 * complete and, if not, what is missing and why.
 */
import { stat } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Manifest, ManifestRequest } from '../../shared/bundle/manifest-schema.js';
import { BundleWriter, type BundleWriterOptions } from '../../shared/bundle/writer.js';
import { describeBudget, fitBundleToBudget, type BudgetOutcome } from '../../shared/bundle/budget.js';
import { createRedactionFilter } from '../../shared/redact/filter.js';
import { CniEvidenceError, describeError, ERROR_CODES } from '../../shared/errors.js';
import type { NodeRecipeOptions } from '../sources/define.js';
import { clusterRecipe } from '../sources/cluster/index.js';
import { nodeRecipe } from '../sources/node/index.js';
import { planNode } from '../node/plan.js';
import { renderPlanScript } from '../node/sh-renderer.js';
import { KubeApi, type ApiResult, type KubeList } from './api.js';
import { EVIDENCE_NAMESPACES } from './catalog.js';
import type { ClusterContext } from './context.js';
import {
  DEFAULT_IMAGE,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_NODES,
  DEFAULT_NODE_POD_NAMESPACE,
  DEFAULT_NODE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TAIL_LINES,
  DEFAULT_WORKERS,
} from './defaults.js';
import { fanOut, newRunId, skipNode, type NodeOutcome } from './fan-out.js';
import { loadKubeConfig } from './kubeconfig.js';
import { describeCheck, runPreflight, type AccessReport } from './preflight.js';
import { SilentProgress, type NodeSummaryRow, type Progress } from './progress.js';
import { discover, podKey, type ContrastNode, type Json, type NodeObject, type PodObject } from './scope.js';

export interface CollectClusterOptions {
  /** The .tgz to write. */
  output: string;
  /** Redaction settings and filter (shared/redact/privacy.ts); default: no filter. */
  redaction?: BundleWriterOptions['redaction'];
  filter?: BundleWriterOptions['filter'];
  /** kubectl's --kubeconfig; default $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** kubectl's --context. */
  context?: string;
  /** An already loaded kubeconfig (embedding); wins over kubeconfig/context. */
  kubeConfig?: KubeConfig;
  /** -n: only pods in these namespaces. */
  namespaces?: string[];
  /** --pod, each `namespace/name`. */
  pods?: string[];
  /** -l: pods matching this label selector. */
  selector?: string;
  /** --nodes: collect exactly these nodes (no contrast node). */
  nodes?: string[];
  /** Node pods in flight at once (default 16). */
  workers?: number;
  /** Per node: pod start plus collection (default 120 s). */
  nodeTimeoutMs?: number;
  /** Per API request (default 30 s). */
  requestTimeoutMs?: number;
  /** Node pod image (default busybox:1.36). */
  image?: string;
  /** Where node pods run (default kube-system). */
  nodePodNamespace?: string;
  /** false: no node pods at all (--no-node-evidence). */
  nodeEvidence?: boolean;
  /** Most nodes to visit (default 50). */
  maxNodes?: number;
  /** Logs and journals since this many seconds ago. */
  sinceSeconds?: number;
  /** Lines per container log and journal (default 5000). */
  tailLines?: number;
  /** Cap per artifact (default 8 MiB). */
  maxBytes?: number;
  /**
   * --max-bundle-size: the most bytes the written .tgz may have. Over it, logs are cut from their
   * oldest end, healthy nodes' first (shared/bundle/budget.ts); config and state files never.
   */
  maxBundleBytes?: number;
  /** How the budget was given, for the manifest and messages (`--max-bundle-size 25M`). */
  maxBundleLabel?: string;
  overwrite?: boolean;
  /** The command line, recorded in the manifest. */
  argv?: string[];
  /** Abort (Ctrl-C): stops new work, deletes node pods, writes a partial bundle. */
  signal?: AbortSignal;
  /** Says why the signal fired (`SIGINT`); default "interrupted". */
  interruptReason?: () => string;
  progress?: Progress;
  /** Node pods as they are created (alive) and deleted. */
  onPod?: (pod: string, alive: boolean) => void;
}

export interface CollectSummary {
  complete: boolean;
  /** Why the bundle is partial (empty when complete). */
  reasons: string[];
  nodes: NodeOutcome[];
  scope: { pods: string[]; nodes: string[]; contrast: ContrastNode | null; notes: string[] };
  cluster: { artifacts: number; bytes: number; notCollected: Array<{ path: string; status: string; error?: string }> };
  /** Checks the preflight found denied, as `verb resource in namespace`. */
  denied: string[];
  /** API requests (pages and retries included), and node pods created (one exec session each). */
  requests: number;
  nodePodsCreated: number;
  wallMs: number;
  /** What --max-bundle-size cut, when it was given. */
  budget?: BudgetOutcome;
}

export interface CollectClusterResult {
  path: string;
  manifest: Manifest;
  summary: CollectSummary;
}

function unreachable(server: string, message: string): CniEvidenceError {
  return new CniEvidenceError({
    code: ERROR_CODES.CLUSTER_UNREACHABLE,
    message: `cannot reach the API server at ${server}: ${message}`,
    hint: 'Check that `kubectl get --raw /version` works with the same kubeconfig and context (VPN, proxy, expired cloud credentials).',
  });
}

function groupDenied(report: AccessReport): string[] {
  const groups = new Map<string, { namespaces: string[]; why: string }>();
  for (const check of report.checks) {
    if (check.allowed !== false) continue;
    const key = describeCheck({ ...check, namespace: undefined, name: undefined }).replace(/ cluster-wide$/, '');
    const g = groups.get(key) ?? { namespaces: [], why: check.why };
    const where = check.namespace ? `${check.namespace}${check.name ? `/${check.name}` : ''}` : 'cluster-wide';
    if (!g.namespaces.includes(where)) g.namespaces.push(where);
    groups.set(key, g);
  }
  return [...groups].map(([what, g]) => `may not ${what} (${g.namespaces.join(', ')}): ${g.why}`);
}

export async function collectCluster(options: CollectClusterOptions): Promise<CollectClusterResult> {
  const started = Date.now();
  const now = new Date(started);
  const progress = options.progress ?? new SilentProgress();
  const signal = options.signal ?? new AbortController().signal;
  const workers = Math.max(1, options.workers ?? DEFAULT_WORKERS);
  const nodeTimeoutMs = options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
  const tailLines = options.tailLines ?? DEFAULT_TAIL_LINES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const nodeEvidence = options.nodeEvidence !== false;
  const nodePodNamespace = options.nodePodNamespace ?? DEFAULT_NODE_POD_NAMESPACE;
  const image = options.image ?? DEFAULT_IMAGE;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;

  // Refuse an existing output before any cluster work, not after minutes of collecting.
  if (!options.overwrite && (await stat(options.output).catch(() => null))) {
    throw new CniEvidenceError({
      code: ERROR_CODES.OUTPUT_EXISTS,
      message: `${options.output} already exists`,
      hint: 'Choose another path with -o, or pass --overwrite to replace it.',
      file: options.output,
    });
  }

  let kubeConfig: KubeConfig;
  let contextName: string;
  if (options.kubeConfig) {
    kubeConfig = options.kubeConfig;
    contextName = kubeConfig.getCurrentContext();
  } else {
    const loaded = loadKubeConfig({ ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}), ...(options.context !== undefined ? { context: options.context } : {}) });
    kubeConfig = loaded.kubeConfig;
    contextName = loaded.context;
  }
  const api = new KubeApi(kubeConfig, { requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, signal });
  let nodePodsCreated = 0;
  try {
    progress.phase(`${api.server}${contextName ? ` (context ${contextName})` : ''}: discovering scope`);
    const version = await api.json<Json>('/version');
    if (!version.ok && version.kind !== 'interrupted') {
      if (version.code === null) throw unreachable(api.server, version.message);
      if (version.code === 401) {
        throw new CniEvidenceError({
          code: ERROR_CODES.KUBECONFIG,
          message: `the API server at ${api.server} rejected the credentials: ${version.message}`,
          hint: 'Refresh the credentials of this context (log in again, renew the token), then check with `kubectl auth whoami`.',
        });
      }
    }
    const discovery = await discover(
      api,
      {
        namespaces: options.namespaces ?? [],
        pods: options.pods ?? [],
        ...(options.selector !== undefined ? { selector: options.selector } : {}),
        ...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
        maxNodes,
      },
      { version },
    );
    const { scope } = discovery;
    const existing = discovery.namespaces.ok ? new Set(discovery.namespaces.value.items.map((n) => (n.metadata as { name?: string } | undefined)?.name)) : null;
    // Without the namespace list, try them all: a missing one answers with an empty list.
    const evidenceNamespaces = EVIDENCE_NAMESPACES.filter((ns) => existing === null || existing.has(ns));
    for (const note of scope.notes) progress.warn(note);
    for (const missing of scope.missingPods) progress.warn(`pod ${missing} not found`);
    for (const unknown of scope.unknownNodes) progress.warn(`node ${unknown} not found`);
    progress.phase(`${scope.pods.length} pod(s) in scope; nodes: ${scope.nodes.join(', ') || 'none'}${scope.contrast ? ` (${scope.contrast.name} for contrast)` : ''}`);

    let preflight: AccessReport | null = null;
    if (!signal.aborted) {
      progress.phase('checking access (SelfSubjectAccessReview)');
      preflight = await runPreflight(api, { namespaces: evidenceNamespaces, nodePodNamespace, nodeEvidence, context: contextName });
      for (const line of groupDenied(preflight)) progress.warn(line);
    }

    const runId = newRunId();
    const asked = {
      namespaces: options.namespaces ?? [],
      pods: options.pods ?? [],
      ...(options.selector !== undefined ? { selector: options.selector } : {}),
      nodes: options.nodes ?? [],
    };
    const request: ManifestRequest = {
      namespaces: asked.namespaces.length > 0 ? asked.namespaces : [...new Set(scope.pods.map((p) => p.pod.metadata.namespace))].sort(),
      pods: scope.pods.map((p) => podKey(p.pod)),
      nodes: scope.nodes,
      ...(options.selector !== undefined ? { selector: options.selector } : {}),
      ...(contextName ? { context: contextName } : {}),
      options: {
        asked,
        server: api.server,
        scope: {
          mode: scope.mode,
          why: Object.fromEntries(scope.pods.map((p) => [podKey(p.pod), p.reasons])),
          failingNodes: scope.failingNodes,
          contrastNode: scope.contrast,
          overflowNodes: scope.overflowNodes,
          missingPods: scope.missingPods,
          unknownNodes: scope.unknownNodes,
          notes: scope.notes,
        },
        workers,
        nodeTimeoutMs,
        image,
        nodePodNamespace,
        nodeEvidence,
        maxNodes,
        tailLines,
        maxBytes,
        ...(options.maxBundleBytes !== undefined ? { maxBundleBytes: options.maxBundleBytes } : {}),
        ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
        runId,
      },
      ...(options.argv ? { argv: options.argv } : {}),
    };
    const writer = await BundleWriter.create(options.output, {
      mode: 'cluster',
      request,
      ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
      // Redacted unless the caller says otherwise: a library user gets the CLI's safe default.
      redaction: options.redaction ?? { enabled: true },
      ...(options.filter ? { filter: options.filter } : options.redaction?.enabled === false ? {} : { filter: createRedactionFilter() }),
    });

    const podCache = new Map<string, Promise<ApiResult<KubeList<PodObject>>>>();
    const ctx: ClusterContext = {
      api,
      writer,
      discovery,
      scope,
      settings: { tailLines, maxBytes, evidenceNamespaces, ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}) },
      preflight,
      signal,
      now,
      progress,
      namespacePods(ns) {
        let cached = podCache.get(ns);
        if (!cached) podCache.set(ns, (cached = api.list<PodObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`)));
        return cached;
      },
    };

    const problems: string[] = [];
    let nodeOutcomes: NodeOutcome[] = [];
    try {
      progress.phase(`collecting: cluster evidence${nodeEvidence && scope.nodes.length > 0 ? ` and ${scope.nodes.length} node(s), ${Math.min(workers, scope.nodes.length)} at a time` : ''}`);
      const recipeOptions: Partial<NodeRecipeOptions> = { tailLines, maxBytes, ...(options.sinceSeconds !== undefined ? { since: `${options.sinceSeconds}s ago` } : {}) };
      const plan = planNode(nodeRecipe, recipeOptions);
      const clusterWork = Promise.all(
        clusterRecipe.map(async (source) => {
          try {
            await source.run(ctx);
          } catch (error) {
            // A bug in one source must not cost the others: it is reported as missing evidence.
            problems.push(`source ${source.id} failed: ${describeError(error)}`);
          }
        }),
      );
      const skipped: NodeOutcome[] = [];
      const unknown = new Set(scope.unknownNodes);
      for (const node of scope.overflowNodes) skipped.push(skipNode(writer, plan, node, 'skipped', `not collected: over --max-nodes ${maxNodes}`));
      let visit = scope.nodes.filter((n) => !unknown.has(n));
      for (const node of scope.unknownNodes) skipped.push(skipNode(writer, plan, node, 'absent', `no node named ${node} in the cluster`));
      if (!nodeEvidence) {
        for (const node of visit) skipped.push(skipNode(writer, plan, node, 'skipped', 'not collected: --no-node-evidence'));
        visit = [];
      }
      const nodeObjects = new Map<string, NodeObject>(discovery.nodes.ok ? discovery.nodes.value.items.map((n) => [n.metadata.name, n]) : []);
      const nodeWork =
        visit.length === 0
          ? Promise.resolve([] as NodeOutcome[])
          : fanOut({
              api,
              kubeConfig,
              writer,
              plan,
              script: renderPlanScript(plan),
              nodes: visit,
              nodeObjects,
              pod: { namespace: nodePodNamespace, image, runId, deadlineSeconds: Math.ceil(nodeTimeoutMs / 1000) + 60 },
              workers,
              nodeTimeoutMs,
              signal,
              progress,
              onPod: (pod, alive) => {
                if (alive) nodePodsCreated += 1;
                options.onPod?.(pod, alive);
              },
            });
      const [, visited] = await Promise.all([clusterWork, nodeWork]);
      nodeOutcomes = [...visited, ...skipped];
    } catch (error) {
      problems.push(`fatal error: ${describeError(error)}`);
    }

    const reasons: string[] = [];
    if (signal.aborted) reasons.push(`interrupted (${options.interruptReason?.() ?? 'aborted'})`);
    for (const o of nodeOutcomes) {
      if (o.status !== 'complete' && !(o.status === 'skipped' && !nodeEvidence)) reasons.push(`node ${o.node}: ${o.status}${o.reason ? ` (${o.reason})` : ''}`);
    }
    const clusterEntries = writer.entries.filter((e) => e.node === null);
    const notCollected = clusterEntries.filter((e) => e.status === 'forbidden' || e.status === 'timeout' || e.status === 'failed' || (e.status === 'skipped' && signal.aborted));
    if (notCollected.length > 0) {
      const counts = new Map<string, number>();
      for (const e of notCollected) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
      reasons.push(`${notCollected.length} cluster artifact(s) not collected in full (${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')})`);
    }
    reasons.push(...problems);
    let complete = reasons.length === 0;
    const written = await writer.finalize({ completion: complete ? { state: 'complete' } : { state: 'partial', reason: reasons.join('; ') } });
    const { path } = written;
    let { manifest } = written;
    let budget: BudgetOutcome | undefined;
    if (options.maxBundleBytes !== undefined) {
      budget = await fitBundleToBudget(path, { maxBytes: options.maxBundleBytes, ...(options.maxBundleLabel !== undefined ? { label: options.maxBundleLabel } : {}) });
      if (budget.manifest) manifest = budget.manifest;
      const said = describeBudget(budget);
      if (said.cut) progress.phase(said.cut);
      if (said.over) progress.warn(said.over);
      if (!budget.fits) {
        complete = false;
        reasons.push(budget.overReason ?? `bundle over ${budget.label}`);
      }
    }
    const summary: CollectSummary = {
      complete,
      reasons,
      nodes: nodeOutcomes,
      scope: { pods: request.pods, nodes: scope.nodes, contrast: scope.contrast, notes: scope.notes },
      cluster: {
        artifacts: clusterEntries.filter((e) => e.sha256 !== null).length,
        bytes: clusterEntries.reduce((sum, e) => sum + e.bytes, 0),
        notCollected: notCollected.map((e) => ({ path: e.path, status: e.status, ...(e.error !== undefined ? { error: e.error } : {}) })),
      },
      denied: preflight ? groupDenied(preflight) : [],
      requests: api.requestCount,
      nodePodsCreated,
      wallMs: Date.now() - started,
      ...(budget ? { budget } : {}),
    };
    const rows: NodeSummaryRow[] = nodeOutcomes.map((o) => ({
      node: o.node,
      status: o.status,
      artifacts: o.artifacts,
      bytes: o.bytes,
      seconds: o.seconds,
      ...(o.reason ? { reason: o.reason } : {}),
    }));
    progress.summary(rows, [
      `cluster: ${summary.cluster.artifacts} artifacts, ${notCollected.length} not collected; ${summary.requests} API requests, ${nodePodsCreated} node pods, ${(summary.wallMs / 1000).toFixed(1)}s`,
    ]);
    return { path, manifest, summary };
  } finally {
    progress.close();
    api.close();
  }
}
