/**
 * The one door to the Kubernetes API for the cluster collector. Every call comes back as data
 * (`ApiResult`), never as an exception: a 403 is `forbidden` with the server's Status message, a
 * deadline is `timeout`, anything else `failed` with its text, so one refused or slow request
 * can never end a collection.
 *
 * It speaks plain HTTP(S) with the TLS material and credentials client-node derives from the
 * kubeconfig (exec plugins, token files, client certs, in-cluster), and keeps the raw JSON: the
 * generated client would turn timestamps into Dates and drop fields it does not know, and
 * evidence must stay what the server said.
 */
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { toolVersion } from '../../shared/bundle/version.js';
import { describeError } from '../../shared/errors.js';

export type ApiFailureKind = 'forbidden' | 'timeout' | 'failed' | 'absent' | 'interrupted';

export interface ApiCallInfo {
  method: string;
  /** Path and query as sent, e.g. `/api/v1/pods?fieldSelector=status.phase%3DPending`. */
  path: string;
  startedAt: Date;
  durationMs: number;
  /** Requests made for this call (pages, retries). */
  requests: number;
}

export interface ApiOk<T> extends ApiCallInfo {
  ok: true;
  status: number;
  value: T;
}

export interface ApiFail extends ApiCallInfo {
  ok: false;
  kind: ApiFailureKind;
  /** HTTP status, or null when no answer came. */
  code: number | null;
  /** The Status reason (`Forbidden`, `NotFound`, `BadRequest`...) when the server sent one. */
  reason?: string;
  message: string;
}

export type ApiResult<T> = ApiOk<T> | ApiFail;

export interface KubeList<T = Record<string, unknown>> {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type Query = Record<string, string | number | boolean | undefined | Array<string | number | boolean>>;

export interface KubeApiOptions {
  /** Per request; a page of a list counts as one request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Stops every request in flight and every retry (Ctrl-C). */
  signal?: AbortSignal;
  /** Requests in flight at once (exec sessions are not counted). Default 16. */
  maxConcurrent?: number;
  /** Page size for lists. Default 500, kubectl's chunk size. */
  pageSize?: number;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  timeoutMs?: number;
  /** A signal of its own instead of the collection's (cleanup must outlive a Ctrl-C). */
  signal?: AbortSignal | null;
  accept?: string;
}

/** The subset of https.RequestOptions client-node fills in from the kubeconfig. */
interface TlsAndAuth {
  headers?: Record<string, string | string[] | number | undefined>;
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer | Array<string | Buffer>;
  key?: string | Buffer | Array<string | Buffer>;
  pfx?: string | Buffer | Array<string | Buffer>;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  auth?: string;
  agent?: http.Agent;
}

const RETRYABLE = new Set([429, 503]);
const MAX_ATTEMPTS = 3;
/** Credentials from exec plugins and token files rotate; re-derive them this often. */
const AUTH_TTL_MS = 30_000;

export function buildPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** A counting semaphore: at most `limit` holders at a time. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface StreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: http.IncomingMessage;
}

class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'failed' | 'interrupted',
    message: string,
  ) {
    super(message);
  }
}

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Reads a Status (or any error body) into one line; the message is the evidence. */
export function statusMessage(code: number, body: Buffer | string): { message: string; reason?: string } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const status = JSON.parse(text) as { kind?: string; message?: string; reason?: string };
    if (typeof status.message === 'string' && status.message !== '') {
      return status.reason ? { message: status.message, reason: status.reason } : { message: status.message };
    }
  } catch {
    // not a Status: fall through to the raw text
  }
  const trimmed = text.trim().slice(0, 500);
  return { message: trimmed !== '' ? `HTTP ${code}: ${trimmed}` : `HTTP ${code} ${http.STATUS_CODES[code] ?? ''}`.trim() };
}

export function failureKindFor(code: number): ApiFailureKind {
  if (code === 403) return 'forbidden';
  if (code === 404) return 'absent';
  if (code === 408 || code === 504) return 'timeout';
  return 'failed';
}

export class KubeApi {
  /** Requests sent, retries and pages included: the cost of a collection. */
  requestCount = 0;
  readonly server: string;
  private readonly limiter: Limiter;
  private readonly requestTimeoutMs: number;
  private readonly pageSize: number;
  private readonly signal: AbortSignal | null;
  private auth: { at: number; options: TlsAndAuth } | null = null;
  private agent: http.Agent | null = null;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeApiOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.pageSize = options.pageSize ?? 500;
    this.signal = options.signal ?? null;
    // Every request in flight listens for Ctrl-C on the one collection signal.
    if (this.signal) setMaxListeners(0, this.signal);
    this.limiter = new Limiter(options.maxConcurrent ?? 16);
  }

  private async tlsAndAuth(): Promise<TlsAndAuth> {
    if (this.auth && Date.now() - this.auth.at < AUTH_TTL_MS) return this.auth.options;
    const options: TlsAndAuth = {};
    await this.kubeConfig.applyToHTTPSOptions(options as https.RequestOptions);
    this.auth = { at: Date.now(), options };
    if (!this.agent) {
      const cluster = this.kubeConfig.getCurrentCluster();
      if (cluster?.proxyUrl) {
        // client-node knows how to reach the server through the proxy; keep its agent.
        this.agent = options.agent ?? null;
      } else if (this.server.startsWith('http:')) {
        this.agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
      } else {
        // Our own agent only to keep connections alive: one TLS handshake per socket, not per request.
        this.agent = new https.Agent({
          keepAlive: true,
          maxSockets: 32,
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
          ...(options.cert !== undefined ? { cert: options.cert } : {}),
          ...(options.key !== undefined ? { key: options.key } : {}),
          ...(options.pfx !== undefined ? { pfx: options.pfx } : {}),
          ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
          ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
          ...(options.servername !== undefined ? { servername: options.servername } : {}),
        });
      }
    }
    return options;
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent?.destroy();
  }

  private async open(method: string, pathWithQuery: string, options: RequestOptions, stream: boolean): Promise<RawAnswer | StreamAnswer> {
    const auth = await this.tlsAndAuth();
    const signal = options.signal === undefined ? this.signal : options.signal;
    if (signal?.aborted) throw new TransportError('interrupted', 'interrupted before the request was sent');
    const url = new URL(this.server + pathWithQuery);
    const headers: Record<string, string> = {
      Accept: options.accept ?? 'application/json',
      'User-Agent': `cni-evidence/${toolVersion()}`,
    };
    for (const [name, value] of Object.entries(auth.headers ?? {})) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (auth.auth && !headers.Authorization) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    this.requestCount += 1;
    return new Promise((resolve, reject) => {
      const lib = url.protocol === 'http:' ? http : https;
      const request = lib.request(url, { method, headers, agent: this.agent ?? undefined });
      let settled = false;
      const fail = (error: TransportError): void => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        reject(error);
      };
      // One deadline for the whole answer, headers and body: a server that trickles is slow too.
      const timer = setTimeout(() => fail(new TransportError('timeout', `no answer within ${Math.round(timeoutMs / 100) / 10}s`)), timeoutMs);
      const onAbort = (): void => fail(new TransportError('interrupted', 'interrupted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      request.on('error', (error) => fail(new TransportError('failed', describeError(error))));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (stream && status >= 200 && status < 300) {
          settled = true;
          // The headers came in time; the body gets a deadline of its own, bounding the caller's read.
          clearTimeout(timer);
          const bodyTimer = setTimeout(() => response.destroy(new Error(`the answer did not finish within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
          const onStreamAbort = (): void => {
            response.destroy(new Error('interrupted'));
          };
          signal?.removeEventListener('abort', onAbort);
          signal?.addEventListener('abort', onStreamAbort, { once: true });
          response.once('close', () => {
            clearTimeout(bodyTimer);
            signal?.removeEventListener('abort', onStreamAbort);
          });
          resolve({ status, headers: response.headers, stream: response });
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(new TransportError('failed', describeError(error))));
        response.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status, headers: response.headers, body: Buffer.concat(chunks) });
        });
      });
      request.end(payload);
    });
  }

  /** Sends one request with retries for 429/503 (honouring Retry-After) and connection resets on reads. */
  private async send<T>(method: string, path: string, options: RequestOptions, handle: (answer: RawAnswer | StreamAnswer) => T, stream = false): Promise<ApiResult<T>> {
    const pathWithQuery = buildPath(path, options.query);
    const startedAt = new Date();
    const signal = options.signal === undefined ? this.signal : options.signal;
    let requests = 0;
    const info = (): ApiCallInfo => ({ method, path: pathWithQuery, startedAt, durationMs: Date.now() - startedAt.getTime(), requests });
    for (let attempt = 1; ; attempt += 1) {
      requests += 1;
      let answer: RawAnswer | StreamAnswer;
      try {
        answer = await this.limiter.run(() => this.open(method, pathWithQuery, options, stream));
      } catch (error) {
        const transport = error instanceof TransportError ? error : new TransportError('failed', describeError(error));
        const resettable = method === 'GET' && transport.kind === 'failed' && /ECONNRESET|socket hang up|EPIPE/.test(transport.message);
        if (resettable && attempt < MAX_ATTEMPTS) continue;
        return { ok: false, kind: transport.kind, code: null, message: transport.message, ...info() };
      }
      if (answer.status >= 200 && answer.status < 300) {
        return { ok: true, status: answer.status, value: handle(answer), ...info() };
      }
      // Only a 2xx answer arrives as a stream; errors are read whole.
      const body = 'body' in answer ? answer.body : Buffer.alloc(0);
      if (RETRYABLE.has(answer.status) && attempt < MAX_ATTEMPTS && !signal?.aborted) {
        const retryAfter = Number(answer.headers['retry-after']);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 5000) : 250 * 2 ** attempt, signal);
        if (!signal?.aborted) continue;
      }
      const { message, reason } = statusMessage(answer.status, body);
      return { ok: false, kind: failureKindFor(answer.status), code: answer.status, message, ...(reason ? { reason } : {}), ...info() };
    }
  }

  /** A JSON request: GET by default. */
  async json<T = Record<string, unknown>>(path: string, options: RequestOptions & { method?: string } = {}): Promise<ApiResult<T>> {
    return this.send(options.method ?? 'GET', path, options, (answer) => {
      const text = 'body' in answer ? answer.body.toString('utf8') : '';
      return (text === '' ? {} : JSON.parse(text)) as T;
    });
  }

  /**
   * Lists with `limit`/`continue`, the way kubectl pages (500 at a time), so a 5,000-pod cluster
   * never arrives as one giant answer. A continue token that expired (410) restarts the list once.
   */
  async list<T = Record<string, unknown>>(path: string, options: RequestOptions = {}): Promise<ApiResult<KubeList<T>>> {
    const startedAt = new Date();
    let requests = 0;
    let restarted = false;
    const items: T[] = [];
    let first: KubeList<T> | null = null;
    let token: string | undefined;
    for (;;) {
      const page = await this.json<KubeList<T>>(path, { ...options, query: { ...options.query, limit: this.pageSize, ...(token ? { continue: token } : {}) } });
      requests += page.requests;
      if (!page.ok) {
        if (page.code === 410 && token && !restarted) {
          restarted = true;
          token = undefined;
          items.length = 0;
          first = null;
          continue;
        }
        return { ...page, path: buildPath(path, options.query), startedAt, durationMs: Date.now() - startedAt.getTime(), requests };
      }
      first ??= page.value;
      for (const item of page.value.items ?? []) {
        // managedFields can be half of an object's size and say nothing about networking; kubectl
        // hides them too. Dropped as pages arrive so big lists stay small in memory.
        const meta = (item as { metadata?: { managedFields?: unknown } }).metadata;
        if (meta && 'managedFields' in meta) delete meta.managedFields;
        items.push(item);
      }
      token = page.value.metadata?.continue || undefined;
      if (!token) break;
    }
    const list: KubeList<T> = { ...(first as KubeList<T>), items };
    if (list.metadata) list.metadata = { resourceVersion: list.metadata.resourceVersion ?? '' };
    return { ok: true, status: 200, value: list, method: 'GET', path: buildPath(path, options.query), startedAt, durationMs: Date.now() - startedAt.getTime(), requests };
  }

  /** A streamed body (container logs): the caller reads it into the bundle. */
  async stream(path: string, options: RequestOptions = {}): Promise<ApiResult<Readable>> {
    return this.send('GET', path, { accept: '*/*', ...options }, (answer) => ('stream' in answer ? answer.stream : Readable.from([answer.body])), true);
  }
}
