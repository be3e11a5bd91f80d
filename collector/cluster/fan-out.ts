/**
 * Node evidence over the API: for each node, a short-lived privileged pod pinned to it runs the
 * node recipe (rendered to sh) and streams a tar back over exec, which `ingestNodeTar` turns into
 * artifacts. The node is the unit of failure: a pod that cannot start or a stream that breaks
 * costs that node's evidence (recorded with the reason), never another node's.
 *
 * Every pod created is deleted: in a finally per node, after a timeout, on Ctrl-C (the signal
 * ends the wait or the stream, then the finally runs), and even if this process dies, the pod's
 * activeDeadlineSeconds and its `sleep` let the kubelet end it.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ArtifactStatus } from '../../shared/bundle/manifest-schema.js';
import { nodeRoot } from '../../shared/bundle/paths.js';
import type { BundleWriter } from '../../shared/bundle/writer.js';
import { describeError } from '../../shared/errors.js';
import { ingestNodeTar } from '../node/ingest.js';
import { fillTemplate, type NodePlan, type PlannedStep } from '../node/plan.js';
import type { ApiResult, KubeApi, KubeList } from './api.js';
import type { NodeState, Progress } from './progress.js';
import type { EventObject, Json, NodeObject } from './scope.js';

export const NODE_POD_LABEL = 'app.kubernetes.io/name';
export const NODE_POD_LABEL_VALUE = 'cni-evidence';
export const RUN_LABEL = 'cni-evidence.io/run';
const CONTAINER = 'collector';

/**
 * Runs in the node pod. It reads exactly <bytes> of script from stdin (so the session never needs
 * a half-close, which exec protocols before v5 cannot express), then runs it chrooted into the
 * host so the host's own journalctl, iptables and crictl answer. A host without a usable /bin/sh
 * (Talos, distroless) is read through the mount with the image's tools instead. CE_HOST moves the
 * mount point; tests point it at a prepared root.
 */
export const NODE_WRAPPER = `set -u
host=\${CE_HOST:-/host}
work=$(mktemp -d) || exit 70
trap 'rm -rf "$work"' EXIT
head -c "$1" > "$work/collect.sh" || exit 70
got=$(wc -c < "$work/collect.sh")
if [ "$((got))" -ne "$1" ]; then echo "cni-evidence: got $((got)) of $1 script bytes" >&2; exit 70; fi
if [ -x "$host/bin/sh" ] && chroot "$host" /bin/sh -c : 2>/dev/null; then
  chroot "$host" /bin/sh -s < "$work/collect.sh"
else
  echo "cni-evidence: no usable /bin/sh under $host; reading the node through $host with the image's tools" >&2
  HOST_ROOT=$host sh -s < "$work/collect.sh"
fi
`;

export interface NodePodSettings {
  namespace: string;
  image: string;
  /** Label value shared by the pods of one run, so a left-over pod can be traced to its run. */
  runId: string;
  /** The pod ends itself this long after it started (seconds), whatever happens to the collector. */
  deadlineSeconds: number;
}

/**
 * A DNS-1123 label: `cni-evidence-<node>-<run>`, the node part shortened with a hash when long.
 * Scope discovery recognizes this shape (scope.ts looksLikeOwnNodePod), so keep the two in step.
 */
export function nodePodName(node: string, runId: string): string {
  const cleaned = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'node';
  const room = 63 - 'cni-evidence--'.length - runId.length;
  if (cleaned.length <= room && cleaned === node) return `cni-evidence-${cleaned}-${runId}`;
  let hash = 0;
  for (const ch of node) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const suffix = hash.toString(36).slice(0, 6);
  return `cni-evidence-${cleaned.slice(0, room - suffix.length - 1).replace(/-+$/, '')}-${suffix}-${runId}`;
}

export function nodePodSpec(node: string, settings: NodePodSettings): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: nodePodName(node, settings.runId),
      namespace: settings.namespace,
      labels: { [NODE_POD_LABEL]: NODE_POD_LABEL_VALUE, 'app.kubernetes.io/component': 'node-collector', [RUN_LABEL]: settings.runId },
      annotations: { 'cni-evidence.io/node': node },
    },
    spec: {
      nodeName: node,
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      activeDeadlineSeconds: settings.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      // The pod talks to nothing; the collector talks to it.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // Every taint, NoExecute included: the broken node is usually the tainted one.
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: CONTAINER,
          image: settings.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', String(settings.deadlineSeconds)],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '512Mi' } },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
      volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
    },
  };
}

export type NodeOutcomeStatus = 'complete' | 'partial' | 'failed' | 'timeout' | 'forbidden' | 'skipped';

export interface NodeOutcome {
  node: string;
  status: NodeOutcomeStatus;
  reason?: string;
  artifacts: number;
  bytes: number;
  seconds: number;
  pod?: string;
  /** False when the pod may still exist (its deletion failed); the warning names it. */
  podDeleted?: boolean;
}

export interface FanOutOptions {
  api: KubeApi;
  kubeConfig: KubeConfig;
  writer: BundleWriter;
  plan: NodePlan;
  script: string;
  nodes: string[];
  /** Node objects by name (Ready condition in failure messages). */
  nodeObjects: Map<string, NodeObject>;
  pod: NodePodSettings;
  workers: number;
  nodeTimeoutMs: number;
  signal: AbortSignal;
  progress: Progress;
  /** Called when a pod is created and when it is gone, so a second Ctrl-C can name leftovers. */
  onPod?: (pod: string, alive: boolean) => void;
}

export function newRunId(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Bundle paths a step writes whatever the node holds (its listings, command outputs, fixed files). */
export function fixedPathsOf(step: PlannedStep, node: string): string[] {
  const a = step.action;
  const templates = a.kind === 'files' ? [...(a.absent !== null ? [a.absent] : []), a.to] : a.kind === 'listing' ? [a.to, ...(a.versionsTo !== null ? [a.versionsTo] : [])] : [a.to];
  return templates.map((t) => fillTemplate(t, node)).filter((p) => !/\{[a-z]+\}/.test(p));
}

function sourceOf(step: PlannedStep): { kind: 'file'; path: string } | { kind: 'command'; argv: string[] } {
  const a = step.action;
  if (a.kind === 'command') return { kind: 'command', argv: a.candidates[0]!.map((arg) => (typeof arg === 'string' ? arg : arg.ifHostRoot.join(' '))).filter((s) => s !== '') };
  if (a.kind === 'listing') return { kind: 'file', path: a.dir };
  return { kind: 'file', path: a.globs[0] ?? '/' };
}

/** Records the fixed paths of steps that left nothing, so the manifest says what a node is missing. */
export function recordMissingSteps(writer: BundleWriter, plan: NodePlan, node: string, refs: readonly string[] | null, status: Exclude<ArtifactStatus, 'ok' | 'truncated'>, error: string): number {
  let recorded = 0;
  const wanted = refs === null ? null : new Set(refs);
  for (const step of plan.steps) {
    if (wanted && !wanted.has(step.ref)) continue;
    for (const path of fixedPathsOf(step, node)) {
      if (writer.has(path)) continue;
      writer.record({ path, sourceId: step.sourceId, node, source: sourceOf(step), status, error });
      recorded += 1;
    }
  }
  return recorded;
}

class Deadline {
  readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  timedOut = false;
  constructor(ms: number, parent: AbortSignal) {
    setMaxListeners(0, this.controller.signal);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, ms);
    if (parent.aborted) this.controller.abort();
    else parent.addEventListener('abort', () => this.controller.abort(), { once: true });
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface PodStatusLike {
  phase?: string;
  reason?: string;
  message?: string;
  containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; message?: string; exitCode?: number } } }>;
}

/** Container states that will not fix themselves within a collection. */
const HOPELESS_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

type StartResult = { ok: true } | { ok: false; status: NodeOutcomeStatus; reason: string };

function nodeReadiness(node: NodeObject | undefined): string {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return '';
  if (ready.status === 'True') return '';
  return `; node Ready=${ready.status}${ready.message ? `: ${ready.message}` : ''}`;
}

async function waitRunning(o: FanOutOptions, node: string, name: string, deadline: Deadline, started: number): Promise<StartResult> {
  const path = `/api/v1/namespaces/${encodeURIComponent(o.pod.namespace)}/pods/${encodeURIComponent(name)}`;
  // Pods usually start within a second: poll early, then back off (75, 120, 190 ... 1000 ms).
  let delay = 75;
  let lastState = 'Pending';
  let lastEventCheck = 0;
  let lastEvent = '';
  while (!deadline.signal.aborted) {
    const got = await o.api.json<{ status?: PodStatusLike }>(path, { signal: deadline.signal });
    if (got.ok) {
      const status = got.value.status ?? {};
      const container = status.containerStatuses?.find((c) => c.name === CONTAINER);
      if (status.phase === 'Running' && container?.state?.running) return { ok: true };
      if (status.phase === 'Failed' || status.phase === 'Succeeded' || container?.state?.terminated) {
        const t = container?.state?.terminated;
        return { ok: false, status: 'failed', reason: `node pod ${status.phase ?? 'ended'}${status.reason ? `: ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''}${t ? ` (container ${t.reason ?? 'terminated'}${t.message ? `: ${t.message}` : ''})` : ''}` };
      }
      const waiting = container?.state?.waiting;
      if (waiting?.reason && HOPELESS_WAITING.has(waiting.reason)) {
        return { ok: false, status: 'failed', reason: `node pod cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
      }
      lastState = waiting?.reason ?? status.phase ?? 'Pending';
    } else if (got.kind === 'forbidden') {
      return { ok: false, status: 'forbidden', reason: got.message };
    }
    // Past the first second, the pod's own events say what the kubelet is struggling with.
    if (Date.now() - started > 1000 && Date.now() - lastEventCheck > 1500) {
      lastEventCheck = Date.now();
      const events = await o.api.json<KubeList<EventObject>>(`/api/v1/namespaces/${encodeURIComponent(o.pod.namespace)}/events`, {
        query: { fieldSelector: `involvedObject.name=${name},involvedObject.kind=Pod,type=Warning` },
        signal: deadline.signal,
      });
      const warning = events.ok ? events.value.items.at(-1) : undefined;
      if (warning) {
        lastEvent = `${warning.reason ?? 'Warning'}: ${warning.message ?? ''}`;
        // A hostNetwork pod needs no CNI: if even its sandbox fails, the runtime itself is broken.
        if (warning.reason === 'FailedCreatePodSandBox' || warning.reason === 'Failed' || warning.reason === 'FailedMount') {
          return { ok: false, status: 'failed', reason: `node pod cannot start: ${lastEvent}` };
        }
      }
    }
    await wait(delay, deadline.signal);
    delay = Math.min(1000, Math.round(delay * 1.6));
  }
  if (deadline.timedOut) {
    return {
      ok: false,
      status: 'timeout',
      reason: `node pod not running after ${Math.round(o.nodeTimeoutMs / 1000)}s (${lastState}${lastEvent ? `; ${lastEvent}` : ''}${nodeReadiness(o.nodeObjects.get(node))})`,
    };
  }
  return { ok: false, status: 'skipped', reason: 'interrupted before the node pod was running' };
}

interface ExecOutcome {
  status: V1Status | undefined;
  stderr: string;
  error: string | null;
  bytes: number;
}

/** Starts the exec and hands its stdout (the tar) to the ingest; resolves once both are done. */
async function execAndIngest(o: FanOutOptions, node: string, name: string, deadline: Deadline): Promise<{ exec: ExecOutcome; ingest: Awaited<ReturnType<typeof ingestNodeTar>> | null; ingestError: unknown }> {
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  const errChunks: Buffer[] = [];
  let errBytes = 0;
  const stderr = new PassThrough();
  stderr.on('data', (chunk: Buffer) => {
    if (errBytes < 16_384) errChunks.push(chunk);
    errBytes += chunk.length;
  });
  let bytes = 0;
  stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  const outcome: ExecOutcome = { status: undefined, stderr: '', error: null, bytes: 0 };
  const ingesting = ingestNodeTar(stdout, o.writer, node).then(
    (r) => ({ result: r, error: undefined as unknown }),
    (e: unknown) => ({ result: null, error: e }),
  );
  const end = (): void => {
    if (!stdout.writableEnded) stdout.end();
    if (!stderr.writableEnded) stderr.end();
  };
  const scriptBytes = Buffer.byteLength(o.script);
  // The script goes first, then stdin stays open: the wrapper reads exactly its length.
  stdin.write(o.script);
  try {
    const connecting = new Exec(o.kubeConfig).exec(
      o.pod.namespace,
      name,
      CONTAINER,
      ['sh', '-c', NODE_WRAPPER, 'cni-evidence-node', String(scriptBytes)],
      stdout as Writable,
      stderr as Writable,
      stdin,
      false,
      (status) => {
        outcome.status = status;
      },
    );
    // The upgrade itself can hang (a kubelet that never answers); the deadline still ends the node.
    const aborted = new Promise<null>((resolve) => {
      if (deadline.signal.aborted) resolve(null);
      deadline.signal.addEventListener('abort', () => resolve(null), { once: true });
    });
    const ws = await Promise.race([connecting, aborted]);
    if (ws === null) {
      connecting.then((late) => late.terminate(), () => undefined);
      throw new Error('the exec session was not established in time');
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        ws.terminate();
      };
      if (deadline.signal.aborted) stop();
      deadline.signal.addEventListener('abort', stop, { once: true });
      ws.once('close', () => {
        deadline.signal.removeEventListener('abort', stop);
        resolve();
      });
    });
  } catch (error) {
    outcome.error = describeError(error);
  } finally {
    stdin.destroy();
    end();
  }
  const ingested = await ingesting;
  outcome.stderr = Buffer.concat(errChunks).toString('utf8').slice(0, 4000);
  outcome.bytes = bytes;
  return { exec: outcome, ingest: ingested.result, ingestError: ingested.error };
}

function execFailureText(exec: ExecOutcome): string {
  if (exec.error) {
    const code = /Unexpected server response: (\d+)/.exec(exec.error)?.[1];
    if (code === '403') return 'exec refused by the API server (HTTP 403): this identity may not create pods/exec in the node pod namespace';
    return `exec failed: ${exec.error}`;
  }
  if (exec.status && exec.status.status !== 'Success') return exec.status.message ?? 'exec failed';
  return '';
}

async function deletePod(o: FanOutOptions, name: string): Promise<{ ok: boolean; message?: string }> {
  const path = `/api/v1/namespaces/${encodeURIComponent(o.pod.namespace)}/pods/${encodeURIComponent(name)}`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // Its own signal and deadline: the deletion must happen after Ctrl-C too.
    const result = await o.api.json(path, { method: 'DELETE', body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background' }, signal: null, timeoutMs: 10_000 });
    if (result.ok || result.kind === 'absent') return { ok: true };
    if (result.kind === 'forbidden') return { ok: false, message: result.message };
    if (attempt === 2) return { ok: false, message: result.message };
    await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
  }
  return { ok: false };
}

function nodeArtifacts(writer: BundleWriter, node: string): { artifacts: number; bytes: number } {
  const prefix = `${nodeRoot(node)}/`;
  let artifacts = 0;
  let bytes = 0;
  for (const entry of writer.entries) {
    // Stored evidence only: the entries that say what is missing are not artifacts collected.
    if (entry.node === node && entry.path.startsWith(prefix) && entry.sha256 !== null) {
      artifacts += 1;
      bytes += entry.bytes;
    }
  }
  return { artifacts, bytes };
}

async function collectOne(o: FanOutOptions, node: string): Promise<NodeOutcome> {
  const started = Date.now();
  const name = nodePodName(node, o.pod.runId);
  const deadline = new Deadline(o.nodeTimeoutMs, o.signal);
  const state = (s: NodeState, detail?: string): void => o.progress.node(node, s, detail);
  let created = false;
  let result: { status: NodeOutcomeStatus; reason?: string };
  let podDeleted: boolean | undefined;
  try {
    state('creating pod');
    const create: ApiResult<Json> = await o.api.json(`/api/v1/namespaces/${encodeURIComponent(o.pod.namespace)}/pods`, { method: 'POST', body: nodePodSpec(node, o.pod), signal: deadline.signal });
    // A create that timed out or was interrupted may still have happened: clean up either way.
    created = create.ok || create.kind === 'timeout' || create.kind === 'interrupted' || create.code === 409;
    if (created) o.onPod?.(name, true);
    if (!create.ok) {
      const status: NodeOutcomeStatus = create.kind === 'forbidden' ? 'forbidden' : create.kind === 'interrupted' ? 'skipped' : create.kind === 'timeout' || deadline.timedOut ? 'timeout' : 'failed';
      result = { status, reason: create.kind === 'interrupted' ? 'interrupted before the node pod was created' : `node pod not created: ${create.message}` };
    } else {
      state('waiting for pod');
      const start = await waitRunning(o, node, name, deadline, started);
      if (!start.ok) {
        result = { status: start.status, reason: start.reason };
      } else {
        state('collecting');
        const { exec, ingest, ingestError } = await execAndIngest(o, node, name, deadline);
        const execText = execFailureText(exec);
        if (!ingest) {
          let why: string;
          if (deadline.timedOut) why = `no complete answer within ${Math.round(o.nodeTimeoutMs / 1000)}s`;
          else if (o.signal.aborted) why = 'interrupted while collecting';
          else if (execText) why = execText;
          // No status at all: the connection went away, not the script.
          else if (!exec.status) why = `the exec stream broke after ${exec.bytes} bytes, before the node's plan arrived`;
          else why = ingestError ? describeError(ingestError) : 'no output';
          const stderr = exec.stderr.trim() ? `; stderr: ${exec.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
          result = { status: deadline.timedOut ? 'timeout' : o.signal.aborted ? 'skipped' : exec.error?.includes('403') ? 'forbidden' : 'failed', reason: `${why}${stderr}` };
        } else if (!ingest.complete) {
          let why: string;
          if (deadline.timedOut) why = `timed out after ${Math.round(o.nodeTimeoutMs / 1000)}s`;
          else if (o.signal.aborted) why = 'interrupted while collecting';
          // A status means the script itself stopped (killed, out of memory); none, the connection.
          else if (exec.status && exec.status.status !== 'Success') why = `the node script ended early after ${exec.bytes} bytes (${execText})`;
          else why = `the exec stream broke after ${exec.bytes} bytes${execText ? ` (${execText})` : ''}`;
          const missing = recordMissingSteps(o.writer, o.plan, node, ingest.missingSteps, deadline.timedOut ? 'timeout' : o.signal.aborted ? 'skipped' : 'failed', why);
          result = { status: 'partial', reason: `${why}; ${ingest.missingSteps.length} of ${o.plan.steps.length} steps missing (${missing} artifacts recorded as not collected)` };
        } else {
          result = { status: 'complete', ...(execText ? { reason: execText } : {}) };
        }
      }
    }
  } catch (error) {
    result = { status: 'failed', reason: describeError(error) };
  } finally {
    deadline.clear();
    if (created) {
      state('deleting pod');
      const deleted = await deletePod(o, name);
      podDeleted = deleted.ok;
      if (deleted.ok) o.onPod?.(name, false);
      else o.progress.warn(`could not delete node pod ${o.pod.namespace}/${name}${deleted.message ? `: ${deleted.message}` : ''}; delete it with: kubectl delete pod -n ${o.pod.namespace} ${name}`);
    }
  }
  if (result.status !== 'complete' && result.status !== 'partial') {
    recordMissingSteps(o.writer, o.plan, node, null, result.status, result.reason ?? result.status);
  }
  const counted = nodeArtifacts(o.writer, node);
  const outcome: NodeOutcome = {
    node,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    artifacts: counted.artifacts,
    bytes: counted.bytes,
    seconds: (Date.now() - started) / 1000,
    pod: name,
    ...(podDeleted !== undefined ? { podDeleted } : {}),
  };
  state(result.status === 'complete' ? 'done' : result.status, result.reason);
  return outcome;
}

/** Records the node as not collected (skipped by option, unknown name, cap reached). */
export function skipNode(writer: BundleWriter, plan: NodePlan, node: string, status: Exclude<ArtifactStatus, 'ok' | 'truncated'>, reason: string): NodeOutcome {
  recordMissingSteps(writer, plan, node, null, status, reason);
  return { node, status: status === 'absent' ? 'failed' : status, reason, artifacts: 0, bytes: 0, seconds: 0 };
}

/** Visits the nodes with at most `workers` in flight; after Ctrl-C no new node starts. */
export async function fanOut(o: FanOutOptions): Promise<NodeOutcome[]> {
  const queue = [...o.nodes];
  for (const node of queue) o.progress.node(node, 'queued');
  const outcomes = new Map<string, NodeOutcome>();
  const worker = async (): Promise<void> => {
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      if (o.signal.aborted) {
        outcomes.set(node, skipNode(o.writer, o.plan, node, 'skipped', 'not collected: the collection was interrupted'));
        o.progress.node(node, 'skipped', 'interrupted');
        continue;
      }
      outcomes.set(node, await collectOne(o, node));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, o.nodes.length)) }, worker));
  return o.nodes.map((n) => outcomes.get(n)!);
}
