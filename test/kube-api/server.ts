/**
 * An in-process Kubernetes API server for tests: real REST paths, JSON shapes, Status errors,
 * server-side Tables, RBAC, pods/log and pods/exec (WebSocket channel protocol), with pod
 * lifecycle simulation and fault injection. Faithful enough that the real kubectl and
 * @kubernetes/client-node talk to it unchanged; see kube-api-facts.md for what they insist on.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import YAML from 'yaml';
import {
  chooseExecProtocol,
  localProcessExecHandler,
  runExecSession,
  SUPPORTED_EXEC_PROTOCOLS,
  type ExecHandler,
  type ExecResult,
  type ExecStreamFault,
} from './exec.js';
import { threeNodeFlannelCluster } from './fixtures.js';
import { decodeAuthzProtobuf, encodeAuthzProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import {
  checkFieldSelector,
  fieldsMatch,
  labelsMatch,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldRequirement,
  type LabelSelector,
} from './selectors.js';
import {
  apiVersionOf,
  ClusterState,
  randomUid,
  resourceInfo,
  RESOURCES,
  TIMESTAMPED,
  type ChangeEvent,
  type ResourceInfo,
} from './store.js';
import { toTable, type IncludeObject } from './tables.js';
import type { ClusterFixture, Container, ContainerStatus, KubeObject, Node, Pod } from './types.js';

const execFileP = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** One RBAC rule, as in a (Cluster)Role, plus where it is bound. */
export interface RbacRule {
  verbs: string[];
  /** `pods`, `pods/log`, `pods/exec`, `*`, `*\/scale`... */
  resources?: string[];
  /** Default `['*']`. The core group is `''`. */
  apiGroups?: string[];
  /** Namespaces the rule is bound in (a RoleBinding); undefined = cluster-wide (ClusterRoleBinding). */
  namespaces?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface UserConfig {
  name: string;
  token: string;
  groups?: string[];
  rules: RbacRule[];
}

export const ADMIN_RULES: RbacRule[] = [
  { verbs: ['*'], resources: ['*'], apiGroups: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export const READ_ONLY_RULES: RbacRule[] = [{ verbs: ['get', 'list', 'watch'], resources: ['*'], apiGroups: ['*'] }];

export const DEFAULT_ADMIN: UserConfig = { name: 'kubernetes-admin', token: 'admin-token', groups: ['kubeadm:cluster-admins'], rules: ADMIN_RULES };

export interface FaultRule {
  /** HTTP method (any case); undefined matches every method. WebSocket exec is a GET. */
  method?: string;
  /** Matched against the URL path (without the query). A string is a regex source. */
  path: RegExp | string;
  /** Delay before anything else is done with the request. */
  latencyMs?: number;
  /** Answer with this code and a Status (403 gets the real forbidden message). */
  status?: number;
  message?: string;
  /** With 429/503: the Retry-After header and details.retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** Never answer (until close()). */
  hang?: boolean;
  /** For pods/exec: cut the stream after N output bytes, or accept and then never answer. */
  exec?: ExecStreamFault;
  /** Apply this many times, then drop the rule. */
  times?: number;
}

export type NodeBehavior =
  /** Pending, then Running and Ready after the start delay. The default. */
  | { kind: 'run' }
  /** Stays ContainerCreating with a FailedCreatePodSandBox Warning (the CNI failure). */
  | { kind: 'never-running'; sandboxError?: string }
  /** ErrImagePull, then ImagePullBackOff, with the kubelet's events. */
  | { kind: 'image-pull-backoff'; message?: string }
  /** Admission rejects the create with 403 (PodSecurity) or 422 (Invalid). */
  | { kind: 'reject'; code: 403 | 422; message?: string }
  /** Running but the containers never become ready. */
  | { kind: 'not-ready' };

export interface LifecycleOptions {
  /** Pending -> Running (or the failure) after this long. Default 150 ms. */
  startDelayMs?: number;
  /** A graceful delete keeps the pod Terminating this long. Default 0 (removed at once). */
  terminationDelayMs?: number;
  /** Per node name. */
  nodes?: Record<string, NodeBehavior>;
}

export interface StartOptions {
  fixture?: ClusterFixture;
  /** Default https. kubectl sends no token over http (facts #2): requests then act as `anonymousUser`. */
  protocol?: 'https' | 'http';
  /** Default: the admin only. */
  users?: UserConfig[];
  /** User for requests without a bearer token; default none (401), or the first user over http. */
  anonymousUser?: string;
  faults?: FaultRule[];
  lifecycle?: LifecycleOptions;
  /** What pods/exec runs. Default: a real local process (`localProcessExecHandler`). */
  execHandler?: ExecHandler;
  /** Wall clock for ages in Tables (tests with fixed fixtures may pin it). */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** The authenticated user, or null. */
  user: string | null;
  /** Final HTTP status (101 for an upgraded exec); 0 while still pending (e.g. a hang). */
  status: number;
  verb?: string;
  accept?: string;
  contentType?: string;
  userAgent?: string;
  /** For an upgraded exec: the negotiated channel subprotocol. */
  subprotocol?: string;
  at: number;
}

export interface KubeconfigOptions {
  /** User name from `users` (its token is used). Default: the first user. */
  user?: string;
  /** Overrides the user's token (e.g. an invalid one). */
  token?: string;
  /** Context (and current-context) name. Default `kube-api-test`. */
  context?: string;
  namespace?: string;
}

export interface KubeApiServer {
  url: string;
  /** PEM of the CA that signed the serving cert; '' over http. */
  caPem: string;
  protocol: 'https' | 'http';
  port: number;
  state: ClusterState;
  requests: RecordedRequest[];
  users: UserConfig[];
  writeKubeconfig(file: string, opts?: KubeconfigOptions): Promise<void>;
  /** The kubeconfig as YAML text (what writeKubeconfig writes). */
  kubeconfigYaml(opts?: KubeconfigOptions): string;
  addFault(rule: FaultRule): () => void;
  clearFaults(): void;
  setNodeBehavior(node: string, behavior: NodeBehavior | undefined): void;
  setUserRules(user: string, rules: RbacRule[]): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'AlreadyExists',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class StatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: string = REASONS[code] ?? 'Unknown',
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details !== undefined) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

function groupResource(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function notFound(group: string, resource: string, name: string): StatusError {
  const d: Record<string, unknown> = { name, kind: resource };
  if (group !== '') d.group = group;
  return new StatusError(404, `${groupResource(group, resource)} "${name}" not found`, 'NotFound', d);
}

function badRequest(message: string): StatusError {
  return new StatusError(400, message, 'BadRequest');
}

// ---------------------------------------------------------------------------------------------
// Request attributes and RBAC
// ---------------------------------------------------------------------------------------------

interface RequestInfo {
  isResource: boolean;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  info?: ResourceInfo;
}

const API_PREFIXES = new Set(['api', 'apis']);

/** k8s.io/apiserver RequestInfoFactory, reduced to what this server serves. */
function requestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const base: RequestInfo = { isResource: false, verb: method.toLowerCase(), group: '', version: '', resource: '', subresource: '', namespace: '', name: '', path: pathname };
  if (parts.length < 2 || !API_PREFIXES.has(parts[0] as string)) return base;
  let rest: string[];
  if (parts[0] === 'api') {
    base.version = parts[1] as string;
    rest = parts.slice(2);
  } else {
    if (parts.length < 3) return base;
    base.group = parts[1] as string;
    base.version = parts[2] as string;
    rest = parts.slice(3);
  }
  if (rest.length === 0) return base;
  base.isResource = true;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    base.namespace = rest[1] as string;
    if (rest.length > 2 && rest[2] !== 'status' && rest[2] !== 'finalize') rest = rest.slice(2);
  }
  base.resource = rest[0] ?? '';
  base.name = rest[1] ?? '';
  base.subresource = rest[2] ?? '';
  switch (method) {
    case 'GET':
    case 'HEAD':
      base.verb = base.name === '' ? (isTrue(query.get('watch')) ? 'watch' : 'list') : 'get';
      break;
    case 'POST':
      base.verb = 'create';
      break;
    case 'PUT':
      base.verb = 'update';
      break;
    case 'PATCH':
      base.verb = 'patch';
      break;
    case 'DELETE':
      base.verb = base.name === '' ? 'deletecollection' : 'delete';
      break;
  }
  // Since 1.30 a WebSocket GET on exec/attach/portforward needs "create", like the SPDY POST.
  if (base.resource === 'pods' && ['exec', 'attach', 'portforward'].includes(base.subresource)) base.verb = 'create';
  base.info = resourceInfo(base.group, base.resource);
  return base;
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function ruleAllows(rule: RbacRule, attrs: { verb: string; group: string; resource: string; subresource: string; namespace: string; name: string }): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(attrs.verb)) return false;
  if (rule.resources === undefined) return false;
  const groups = rule.apiGroups ?? ['*'];
  if (!groups.includes('*') && !groups.includes(attrs.group)) return false;
  const combined = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const resOk = rule.resources.some(
    (r) => r === '*' || r === combined || (attrs.subresource !== '' && r === `*/${attrs.subresource}`),
  );
  if (!resOk) return false;
  if (rule.namespaces !== undefined && !rule.namespaces.includes(attrs.namespace)) return false;
  if (rule.resourceNames !== undefined && rule.resourceNames.length > 0 && !rule.resourceNames.includes(attrs.name)) return false;
  return true;
}

function nonResourceAllows(rules: RbacRule[], verb: string, urlPath: string): boolean {
  // system:discovery / system:public-info-viewer, bound to every authenticated user.
  if (['get', 'head'].includes(verb) && /^\/(api|apis|version|healthz|livez|readyz|openapi)(\/.*)?$/.test(urlPath)) return true;
  return rules.some(
    (r) =>
      r.nonResourceURLs !== undefined &&
      (r.verbs.includes('*') || r.verbs.includes(verb)) &&
      r.nonResourceURLs.some((u) => u === '*' || u === urlPath || (u.endsWith('*') && urlPath.startsWith(u.slice(0, -1)))),
  );
}

/** The apiserver's forbiddenMessage + NewForbidden wording. */
function forbidden(user: string, attrs: { verb: string; group: string; resource: string; subresource: string; namespace: string; name: string }): StatusError {
  const res = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const where = attrs.namespace !== '' ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const why = `User "${user}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.group}" ${where}`;
  const gr = groupResource(attrs.group, attrs.resource);
  const msg = attrs.name !== '' ? `${gr} "${attrs.name}" is forbidden: ${why}` : `${gr} is forbidden: ${why}`;
  const details: Record<string, unknown> = { kind: attrs.resource };
  if (attrs.name !== '') details.name = attrs.name;
  if (attrs.group !== '') details.group = attrs.group;
  return new StatusError(403, msg, 'Forbidden', details);
}

// ---------------------------------------------------------------------------------------------
// Content negotiation
// ---------------------------------------------------------------------------------------------

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(h: string | undefined): MediaRange[] {
  if (h === undefined || h.trim() === '') return [];
  return h.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params: p };
  });
}

type OutputAs = 'object' | 'Table' | 'PartialObjectMetadata';

function outputAs(accept: MediaRange[]): OutputAs {
  for (const m of accept) {
    if (m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return 'Table';
    if ((m.params.as === 'PartialObjectMetadataList' || m.params.as === 'PartialObjectMetadata') && m.params.g === 'meta.k8s.io') return 'PartialObjectMetadata';
    if (m.params.as === undefined && (m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*')) return 'object';
  }
  return 'object';
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

async function makeCerts(dir: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ossl = (args: string[]): Promise<unknown> => execFileP('openssl', args, { cwd: dir });
  await ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubernetes', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  await ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver']);
  await writeFile(
    path.join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n',
  );
  await ossl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  const [caPem, certPem, keyPem] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(path.join(dir, f), 'utf8')));
  return { caPem: caPem as string, certPem: certPem as string, keyPem: keyPem as string };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  rec: RecordedRequest;
  user: UserConfig | null;
  accept: MediaRange[];
}

class Server implements KubeApiServer {
  url = '';
  caPem = '';
  port = 0;
  readonly protocol: 'https' | 'http';
  readonly state: ClusterState;
  readonly requests: RecordedRequest[] = [];
  readonly users: UserConfig[];
  private readonly anonymousUser: string | undefined;
  private faults: Array<FaultRule & { id: number }> = [];
  private faultSeq = 0;
  private readonly lifecycle: Required<Omit<LifecycleOptions, 'nodes'>> & { nodes: Map<string, NodeBehavior> };
  private readonly execHandler: ExecHandler;
  private readonly now: () => number;
  private server: http.Server | https.Server | undefined;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Duplex>();
  private readonly websockets = new Set<WebSocket>();
  private readonly killers = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cleanups = new Set<() => void>();
  private readonly execByPod = new Map<string, Set<WebSocket>>();
  private tmpDir = '';
  private closed = false;

  constructor(opts: StartOptions) {
    this.protocol = opts.protocol ?? 'https';
    this.state = new ClusterState(opts.fixture ?? threeNodeFlannelCluster());
    this.users = (opts.users ?? [DEFAULT_ADMIN]).map((u) => ({ ...u, rules: [...u.rules] }));
    this.anonymousUser = opts.anonymousUser ?? (this.protocol === 'http' ? this.users[0]?.name : undefined);
    for (const f of opts.faults ?? []) this.addFault(f);
    this.lifecycle = {
      startDelayMs: opts.lifecycle?.startDelayMs ?? 150,
      terminationDelayMs: opts.lifecycle?.terminationDelayMs ?? 0,
      nodes: new Map(Object.entries(opts.lifecycle?.nodes ?? {})),
    };
    this.execHandler = opts.execHandler ?? localProcessExecHandler({ add: (k) => this.track(this.killers, k) });
    this.now = opts.now ?? Date.now;
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 256 * 1024 * 1024,
      handleProtocols: (protocols) => chooseExecProtocol(protocols),
    });
  }

  private track<T>(set: Set<T>, item: T): () => void {
    set.add(item);
    return () => set.delete(item);
  }

  private setTimer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.handle(req, res);
    };
    let server: http.Server | https.Server;
    if (this.protocol === 'https') {
      this.tmpDir = await mkdtemp(path.join(tmpdir(), 'kube-api-'));
      const { caPem, certPem, keyPem } = await makeCerts(this.tmpDir);
      this.caPem = caPem;
      server = https.createServer({ cert: certPem, key: keyPem }, handler);
      server.on('secureConnection', (s: Socket) => this.trackSocket(s));
    } else {
      server = http.createServer(handler);
    }
    this.server = server;
    server.on('connection', (s: Socket) => this.trackSocket(s));
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.handleUpgrade(req, socket, head);
    });
    // Client errors (e.g. a client that gives up mid-TLS-handshake) must not take the server down.
    server.on('tlsClientError', () => undefined);
    server.on('clientError', (_err: Error, socket: Duplex) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.url = `${this.protocol}://127.0.0.1:${this.port}`;
  }

  private trackSocket(s: Duplex): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  // --- public API ------------------------------------------------------------------------------

  kubeconfigYaml(opts: KubeconfigOptions = {}): string {
    const user = opts.user !== undefined ? this.users.find((u) => u.name === opts.user) : this.users[0];
    if (user === undefined && opts.token === undefined) throw new Error(`unknown user ${opts.user ?? ''}`);
    const userName = user?.name ?? opts.user ?? 'token-user';
    const token = opts.token ?? user?.token ?? '';
    const contextName = opts.context ?? 'kube-api-test';
    const cluster: Record<string, unknown> = { server: this.url };
    // client-node refuses http:// unless insecure-skip-tls-verify is set (facts #1).
    if (this.protocol === 'https') cluster['certificate-authority-data'] = Buffer.from(this.caPem).toString('base64');
    else cluster['insecure-skip-tls-verify'] = true;
    const context: Record<string, unknown> = { cluster: 'kube-api-test', user: userName };
    if (opts.namespace !== undefined) context.namespace = opts.namespace;
    return YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kube-api-test', cluster }],
      users: [{ name: userName, user: { token } }],
      contexts: [{ name: contextName, context }],
      'current-context': contextName,
      preferences: {},
    });
  }

  async writeKubeconfig(file: string, opts: KubeconfigOptions = {}): Promise<void> {
    await writeFile(file, this.kubeconfigYaml(opts), { mode: 0o600 });
  }

  addFault(rule: FaultRule): () => void {
    const id = ++this.faultSeq;
    this.faults.push({ ...rule, id });
    return () => {
      this.faults = this.faults.filter((f) => f.id !== id);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  setNodeBehavior(node: string, behavior: NodeBehavior | undefined): void {
    if (behavior === undefined) this.lifecycle.nodes.delete(node);
    else this.lifecycle.nodes.set(node, behavior);
  }

  setUserRules(user: string, rules: RbacRule[]): void {
    const u = this.users.find((x) => x.name === user);
    if (u === undefined) throw new Error(`unknown user ${user}`);
    u.rules = [...rules];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of [...this.cleanups]) c();
    for (const k of [...this.killers]) k();
    for (const ws of this.websockets) ws.terminate();
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    const server = this.server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.tmpDir !== '') await rm(this.tmpDir, { recursive: true, force: true });
  }

  // --- plumbing --------------------------------------------------------------------------------

  private record(req: http.IncomingMessage, url: URL): RecordedRequest {
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      if (prev === undefined) query[k] = v;
      else query[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      user: null,
      status: 0,
      at: Date.now(),
    };
    if (req.headers.accept !== undefined) rec.accept = req.headers.accept;
    if (req.headers['content-type'] !== undefined) rec.contentType = req.headers['content-type'];
    if (req.headers['user-agent'] !== undefined) rec.userAgent = req.headers['user-agent'];
    this.requests.push(rec);
    return rec;
  }

  /** A presented but unknown token is null (401) even where anonymous requests would be let in. */
  private authenticate(req: http.IncomingMessage): { user: UserConfig | null } {
    const h = req.headers.authorization;
    const m = h !== undefined ? /^Bearer\s+(.+)$/i.exec(h) : null;
    if (m !== null) {
      const token = (m[1] as string).trim();
      return { user: this.users.find((u) => u.token === token) ?? null };
    }
    const anon = this.anonymousUser !== undefined ? this.users.find((u) => u.name === this.anonymousUser) : undefined;
    return { user: anon ?? null };
  }

  private matchFault(method: string, pathname: string): (FaultRule & { id: number }) | undefined {
    const f = this.faults.find((r) => {
      if (r.method !== undefined && r.method.toUpperCase() !== method) return false;
      const re = typeof r.path === 'string' ? new RegExp(r.path) : r.path;
      return re.test(pathname);
    });
    if (f !== undefined && f.times !== undefined) {
      f.times--;
      if (f.times <= 0) this.faults = this.faults.filter((x) => x.id !== f.id);
    }
    return f;
  }

  private faultError(f: FaultRule, info: RequestInfo, user: UserConfig | null): StatusError {
    const code = f.status as number;
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
    switch (code) {
      case 403:
        if (f.message === undefined && info.isResource) {
          const e = forbidden(user?.name ?? 'system:anonymous', info);
          return new StatusError(403, e.message, 'Forbidden', e.details, headers);
        }
        return new StatusError(403, f.message ?? `forbidden: User "${user?.name ?? 'system:anonymous'}" cannot ${info.verb} path "${info.path}"`, 'Forbidden', undefined, headers);
      case 429:
        return new StatusError(429, f.message ?? 'Too many requests, please try again later.', 'TooManyRequests', f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : undefined, headers);
      case 500:
        return new StatusError(500, f.message ?? 'Internal error occurred: injected fault', 'InternalError', undefined, headers);
      case 503:
        return new StatusError(503, f.message ?? 'service unavailable', 'ServiceUnavailable', f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : undefined, headers);
      case 504:
        return new StatusError(504, f.message ?? 'Timeout: request did not complete within the allotted timeout', 'Timeout', undefined, headers);
      default:
        return new StatusError(code, f.message ?? `injected fault ${code}`, REASONS[code] ?? 'Unknown', undefined, headers);
    }
  }

  private send(ctx: Ctx, code: number, body: unknown, headers: Record<string, string> = {}): void {
    const { res } = ctx;
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    ctx.rec.status = code;
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomUid(),
      ...headers,
    });
    res.end(ctx.req.method === 'HEAD' ? undefined : text);
  }

  private sendError(ctx: Ctx, err: unknown): void {
    const se = err instanceof StatusError ? err : err instanceof SelectorError ? badRequest(err.message) : new StatusError(500, `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
    this.send(ctx, se.code, se.toStatus(), se.headers);
  }

  /** The apiserver's request body limit (3 MiB). */
  private readBody(req: http.IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limit) {
          reject(new StatusError(413, 'Request entity too large: limit is 3145728', 'RequestEntityTooLarge'));
          req.destroy();
        } else {
          chunks.push(c);
        }
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private async readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const buf = await this.readBody(req);
    if (buf.length === 0) return undefined;
    try {
      const v: unknown = JSON.parse(buf.toString('utf8'));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch (e) {
      throw badRequest(`the object provided is unrecognized (must be of type Object): couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // --- HTTP entry --------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const rec = this.record(req, url);
    const method = (req.method ?? 'GET').toUpperCase();
    const { user } = this.authenticate(req);
    rec.user = user?.name ?? null;
    const ctx: Ctx = { req, res, url, rec, user, accept: parseAccept(req.headers.accept) };
    const info = requestInfo(method, url.pathname, url.searchParams);
    if (info.isResource) rec.verb = info.verb;
    try {
      const fault = this.matchFault(method, url.pathname);
      if (fault !== undefined) {
        if (fault.latencyMs !== undefined && fault.latencyMs > 0) await this.sleep(fault.latencyMs);
        if (fault.hang === true) return this.hang(req, res);
        if (fault.status !== undefined) throw this.faultError(fault, info, user);
      }
      if (user === null) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      if (!info.isResource) return await this.nonResource(ctx, method);
      if (info.info === undefined || info.info.version !== info.version) {
        throw new StatusError(404, 'the server could not find the requested resource', 'NotFound', {});
      }
      this.authorize(user, info);
      await this.resource(ctx, info);
    } catch (err) {
      this.sendError(ctx, err);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  private hang(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Drain the body so the client sees a request that was fully accepted but never answered.
    req.resume();
    const done = (): void => {
      if (!res.destroyed) res.destroy();
    };
    const untrack = this.track(this.cleanups, done);
    res.once('close', untrack);
  }

  private authorize(user: UserConfig, info: RequestInfo): void {
    const attrs = { verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name };
    // system:basic-user: every authenticated user may ask what it may do.
    if (info.group === 'authorization.k8s.io' && info.verb === 'create' && info.resource.startsWith('selfsubject')) return;
    if (!user.rules.some((r) => ruleAllows(r, attrs))) throw forbidden(user.name, attrs);
  }

  private async nonResource(ctx: Ctx, method: string): Promise<void> {
    const p = ctx.url.pathname.replace(/\/+$/, '') || '/';
    const user = ctx.user as UserConfig;
    if (!nonResourceAllows(user.rules, method.toLowerCase(), p)) {
      throw new StatusError(403, `forbidden: User "${user.name}" cannot ${method.toLowerCase()} path "${p}"`, 'Forbidden', {});
    }
    if (method !== 'GET' && method !== 'HEAD') throw new StatusError(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed', {});
    if (p === '/version') return this.send(ctx, 200, this.state.serverVersion);
    if (p === '/healthz' || p === '/livez' || p === '/readyz') {
      ctx.rec.status = 200;
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      ctx.res.end('ok');
      return;
    }
    // Aggregated discovery (apidiscovery.k8s.io/v2) is not served: answering plain
    // application/json makes client-go fall back to the legacy per-group documents (facts #10).
    if (p === '/api') {
      return this.send(ctx, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
      });
    }
    if (p === '/apis') {
      return this.send(ctx, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups().map((g) => this.groupDoc(g)) });
    }
    const gm = /^\/apis\/([^/]+)$/.exec(p);
    if (gm !== null) {
      const g = this.groups().find((x) => x === gm[1]);
      if (g !== undefined) return this.send(ctx, 200, { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(g) });
    }
    const vm = /^\/(?:api\/(v1)|apis\/([^/]+)\/(v1))$/.exec(p);
    if (vm !== null) {
      const group = vm[2] ?? '';
      const list = RESOURCES.filter((r) => r.group === group);
      if (list.length > 0) return this.send(ctx, 200, this.resourceList(group, list));
    }
    throw new StatusError(404, 'the server could not find the requested resource', 'NotFound', {});
  }

  private groups(): string[] {
    return [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))];
  }

  private groupDoc(g: string): Record<string, unknown> {
    const gv = { groupVersion: `${g}/v1`, version: 'v1' };
    return { name: g, versions: [gv], preferredVersion: gv };
  }

  private resourceList(group: string, list: ResourceInfo[]): Record<string, unknown> {
    const resources: Array<Record<string, unknown>> = [];
    for (const r of list) {
      const entry: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
      if (r.shortNames !== undefined) entry.shortNames = r.shortNames;
      if (r.categories !== undefined) entry.categories = r.categories;
      resources.push(entry);
      for (const s of r.subresources ?? []) {
        resources.push({ name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? 'v1' : `${group}/v1`, resources };
  }

  // --- resources ---------------------------------------------------------------------------------

  private async resource(ctx: Ctx, info: RequestInfo): Promise<void> {
    const ri = info.info as ResourceInfo;
    const method = (ctx.req.method ?? 'GET').toUpperCase();
    if (ri.group === 'authorization.k8s.io') {
      if (method !== 'POST' || info.name !== '') throw new StatusError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed', {});
      return this.accessReview(ctx, ri);
    }
    const ns = ri.namespaced ? info.namespace : undefined;
    if (info.subresource !== '') {
      if (ri.resource === 'pods' && info.subresource === 'log' && (method === 'GET' || method === 'HEAD')) return this.podLog(ctx, info.namespace, info.name);
      if (ri.resource === 'pods' && info.subresource === 'exec') throw badRequest('Upgrade request required');
      if (info.subresource === 'status' && method === 'GET') {
        const o = this.state.get(ri.resource, ns, info.name);
        if (o === undefined) throw notFound(ri.group, ri.resource, info.name);
        return this.send(ctx, 200, withKind(ri, o));
      }
      throw new StatusError(404, 'the server could not find the requested resource', 'NotFound', {});
    }
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (info.name === '') {
          if (isTrue(ctx.url.searchParams.get('watch'))) return this.watch(ctx, ri, ns);
          return this.list(ctx, ri, ns);
        }
        return this.getOne(ctx, ri, ns, info.name);
      case 'POST':
        if (info.name !== '') throw new StatusError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed', {});
        return this.create(ctx, ri, info.namespace);
      case 'DELETE':
        if (info.name === '') throw new StatusError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed', {});
        return this.deleteOne(ctx, ri, ns, info.name);
      default:
        throw new StatusError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed', {});
    }
  }

  private selectors(ctx: Ctx, ri: ResourceInfo): { labels: LabelSelector; fields: FieldRequirement[] } {
    const labels = parseLabelSelector(ctx.url.searchParams.get('labelSelector') ?? '');
    const fields = parseFieldSelector(ctx.url.searchParams.get('fieldSelector') ?? '');
    const sample = sampleFor(ri);
    checkFieldSelector(ri.resource, fields, sample);
    return { labels, fields };
  }

  private filtered(ctx: Ctx, ri: ResourceInfo, ns: string | undefined): KubeObject[] {
    const { labels, fields } = this.selectors(ctx, ri);
    return this.state.list(ri.resource, ns === '' ? undefined : ns).filter((o) => labelsMatch(labels, o.metadata.labels) && fieldsMatch(ri.resource, fields, o));
  }

  private list(ctx: Ctx, ri: ResourceInfo, ns: string | undefined): void {
    const q = ctx.url.searchParams;
    let items = this.filtered(ctx, ri, ns);
    const rv = this.state.resourceVersion;
    const meta: Record<string, unknown> = { resourceVersion: rv };
    const cont = q.get('continue');
    if (cont !== null && cont !== '') {
      const start = decodeContinue(cont);
      items = items.filter((o) => keyFor(ri, o) >= start);
    }
    const limit = Number(q.get('limit') ?? '0');
    if (Number.isFinite(limit) && limit > 0 && items.length > limit) {
      const last = items[limit - 1] as KubeObject;
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      meta.continue = encodeContinue(rv, `${keyFor(ri, last)}\u0000`);
      // The real server only knows the count when no selector filters the list.
      if (!q.get('labelSelector') && !q.get('fieldSelector')) meta.remainingItemCount = remaining;
    }
    const as = outputAs(ctx.accept);
    if (as === 'Table') {
      return this.send(ctx, 200, toTable(ri.resource, items.map((o) => ({ obj: o, full: withKind(ri, o) })), meta, includeObject(q.get('includeObject')), this.now()));
    }
    if (as === 'PartialObjectMetadata') {
      return this.send(ctx, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })) });
    }
    this.send(ctx, 200, { kind: `${ri.kind}List`, apiVersion: apiVersionOf(ri), metadata: meta, items });
  }

  private getOne(ctx: Ctx, ri: ResourceInfo, ns: string | undefined, name: string): void {
    const o = this.state.get(ri.resource, ns, name);
    if (o === undefined) throw notFound(ri.group, ri.resource, name);
    const as = outputAs(ctx.accept);
    if (as === 'Table') {
      return this.send(ctx, 200, toTable(ri.resource, [{ obj: o, full: withKind(ri, o) }], { resourceVersion: o.metadata.resourceVersion }, includeObject(ctx.url.searchParams.get('includeObject')), this.now()));
    }
    if (as === 'PartialObjectMetadata') return this.send(ctx, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
    this.send(ctx, 200, withKind(ri, o));
  }

  private watch(ctx: Ctx, ri: ResourceInfo, ns: string | undefined): void {
    const q = ctx.url.searchParams;
    const { labels, fields } = this.selectors(ctx, ri);
    const matches = (o: KubeObject): boolean =>
      (ns === undefined || ns === '' || o.metadata.namespace === ns) && labelsMatch(labels, o.metadata.labels) && fieldsMatch(ri.resource, fields, o);
    const rvParam = q.get('resourceVersion');
    let backlog: ChangeEvent[] | undefined;
    if (rvParam !== null && rvParam !== '' && rvParam !== '0') {
      const rv = Number(rvParam);
      if (!Number.isFinite(rv)) throw badRequest(`invalid resource version: ${rvParam}`);
      if (rv < this.state.oldestWatchableResourceVersion) {
        throw new StatusError(410, `too old resource version: ${rv} (${this.state.oldestWatchableResourceVersion})`, 'Expired');
      }
      backlog = this.state.changesSince(rv, ri.resource);
    }
    const table = outputAs(ctx.accept) === 'Table';
    const incl = includeObject(q.get('includeObject'));
    let first = true;
    const { res } = ctx;
    ctx.rec.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, o: KubeObject): void => {
      let object: unknown = withKind(ri, o);
      if (table) {
        const t = toTable(ri.resource, [{ obj: o, full: withKind(ri, o) }], { resourceVersion: o.metadata.resourceVersion }, incl, this.now());
        if (!first) t.columnDefinitions = [];
        object = t;
      }
      first = false;
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    if (backlog === undefined) {
      for (const o of this.state.list(ri.resource, ns === '' ? undefined : ns)) if (matches(o)) write('ADDED', o);
    } else {
      for (const e of backlog) if (matches(e.object)) write(e.type, e.object);
    }
    const onChange = (e: ChangeEvent): void => {
      if (e.resource === ri.resource && matches(e.object)) write(e.type, e.object);
    };
    this.state.on('change', onChange);
    const end = (): void => {
      this.state.off('change', onChange);
      untrack();
      if (!res.writableEnded) res.end();
    };
    const untrack = this.track(this.cleanups, end);
    res.once('close', end);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    if (timeout > 0) this.setTimer(end, timeout * 1000);
  }

  private async create(ctx: Ctx, ri: ResourceInfo, namespace: string): Promise<void> {
    const body = await this.readJson(ctx.req);
    if (body === undefined) throw badRequest('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
    const obj = body as unknown as KubeObject;
    if (obj.metadata === undefined || typeof obj.metadata !== 'object') obj.metadata = { name: '' };
    const meta = obj.metadata;
    if (ri.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
      if (this.state.get('namespaces', undefined, namespace) === undefined) throw notFound('', 'namespaces', namespace);
    }
    if ((meta.name === undefined || meta.name === '') && meta.generateName !== undefined && meta.generateName !== '') {
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    if (meta.name === undefined || meta.name === '') {
      throw invalid(ri, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
    }
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253) {
      throw invalid(ri, meta.name, [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` }]);
    }
    if (this.state.get(ri.resource, ri.namespaced ? namespace : undefined, meta.name) !== undefined) {
      const d: Record<string, unknown> = { name: meta.name, kind: ri.resource };
      if (ri.group !== '') d.group = ri.group;
      throw new StatusError(409, `${groupResource(ri.group, ri.resource)} "${meta.name}" already exists`, 'AlreadyExists', d);
    }
    delete meta.uid;
    delete meta.resourceVersion;
    delete meta.creationTimestamp;
    delete meta.deletionTimestamp;
    let created: KubeObject;
    if (ri.resource === 'pods') {
      created = this.admitPod(obj as Pod);
    } else {
      if (ri.resource === 'namespaces') {
        meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
        obj.spec = { finalizers: ['kubernetes'] };
        obj.status = { phase: 'Active' };
      }
      created = obj;
    }
    const dry = ctx.url.searchParams.getAll('dryRun').includes('All');
    if (dry) {
      created.metadata.uid = randomUid();
      created.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return this.send(ctx, 201, withKind(ri, created));
    }
    const stored = this.state.create(ri.resource, created);
    if (ri.resource === 'pods') this.simulatePod(stored as Pod);
    this.send(ctx, 201, withKind(ri, stored));
  }

  private async deleteOne(ctx: Ctx, ri: ResourceInfo, ns: string | undefined, name: string): Promise<void> {
    const body = await this.readJson(ctx.req);
    const q = ctx.url.searchParams;
    const o = this.state.get(ri.resource, ns, name);
    if (o === undefined) throw notFound(ri.group, ri.resource, name);
    const pre = (body?.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
    if (pre.uid !== undefined && pre.uid !== o.metadata.uid) {
      throw new StatusError(409, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${o.metadata.uid ?? ''}`, 'Conflict', { name, kind: ri.resource });
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== o.metadata.resourceVersion) {
      throw new StatusError(409, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion ?? ''}`, 'Conflict', { name, kind: ri.resource });
    }
    const propagation = (body?.propagationPolicy as string | undefined) ?? q.get('propagationPolicy') ?? undefined;
    if (propagation !== undefined && !['Orphan', 'Background', 'Foreground'].includes(propagation)) {
      throw invalid({ ...ri, kind: 'DeleteOptions' }, '', [{ field: 'propagationPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: "${propagation}": supported values: "Foreground", "Background", "Orphan"` }]);
    }
    if (q.getAll('dryRun').includes('All')) return this.send(ctx, 200, withKind(ri, o));
    if (ri.resource !== 'pods') {
      const gone = this.state.remove(ri.resource, ns, name) as KubeObject;
      if (ri.resource === 'namespaces') return this.send(ctx, 200, withKind(ri, gone));
      return this.send(ctx, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, ...(ri.group !== '' ? { group: ri.group } : {}), kind: ri.resource, uid: gone.metadata.uid },
      });
    }
    const pod = o as Pod;
    const bodyGrace = body?.gracePeriodSeconds as number | undefined;
    const qGrace = q.get('gracePeriodSeconds');
    const grace = bodyGrace ?? (qGrace !== null ? Number(qGrace) : ((pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30));
    const running = pod.spec.nodeName !== undefined && pod.spec.nodeName !== '' && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
    const delay = this.lifecycle.terminationDelayMs;
    const updated = this.state.update<Pod>('pods', ns, name, (p) => {
      p.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      p.metadata.deletionGracePeriodSeconds = grace;
    }) as Pod;
    const response = withKind(ri, updated);
    if (running && grace > 0 && delay > 0) {
      this.killingEvents(updated);
      this.setTimer(() => this.removePod(ns as string, name), delay);
    } else {
      if (running) this.killingEvents(updated);
      this.removePod(ns as string, name);
    }
    this.send(ctx, 200, response);
  }

  private removePod(ns: string, name: string): void {
    this.state.remove('pods', ns, name);
    const sessions = this.execByPod.get(`${ns}/${name}`);
    // The container is gone, so are the exec sessions into it.
    for (const ws of sessions ?? []) ws.terminate();
  }

  private async accessReview(ctx: Ctx, ri: ResourceInfo): Promise<void> {
    const user = ctx.user as UserConfig;
    const ct = (ctx.req.headers['content-type'] ?? '').toLowerCase();
    const protobuf = ct.startsWith(PROTOBUF_CONTENT_TYPE);
    let body: Record<string, unknown>;
    if (protobuf) {
      try {
        body = decodeAuthzProtobuf(await this.readBody(ctx.req));
      } catch (e) {
        throw badRequest(`the object provided is unrecognized: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else {
      body = (await this.readJson(ctx.req)) ?? {};
    }
    const spec = (body.spec ?? {}) as Record<string, unknown>;
    let response: Record<string, unknown>;
    if (ri.resource === 'selfsubjectaccessreviews') {
      const ra = spec.resourceAttributes as Record<string, string> | undefined;
      const nra = spec.nonResourceAttributes as Record<string, string> | undefined;
      let allowed = false;
      if (ra !== undefined) {
        const attrs = { verb: ra.verb ?? '', group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: ra.namespace ?? '', name: ra.name ?? '' };
        allowed = (attrs.group === 'authorization.k8s.io' && attrs.resource.startsWith('selfsubject') && attrs.verb === 'create') || user.rules.some((r) => ruleAllows(r, attrs));
      } else if (nra !== undefined) {
        allowed = nonResourceAllows(user.rules, nra.verb ?? '', nra.path ?? '');
      } else {
        throw invalid(ri, '', [{ field: 'spec.resourceAttributes', reason: 'FieldValueRequired', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
      }
      response = { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed } };
    } else {
      const ns = (spec.namespace as string | undefined) ?? '';
      const applicable = user.rules.filter((r) => r.namespaces === undefined || r.namespaces.includes(ns));
      const resourceRules = [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        ...applicable
          .filter((r) => r.resources !== undefined)
          .map((r) => {
            const rr: Record<string, unknown> = { verbs: r.verbs, apiGroups: r.apiGroups ?? ['*'], resources: r.resources };
            if (r.resourceNames !== undefined) rr.resourceNames = r.resourceNames;
            return rr;
          }),
      ];
      const nonResourceRules = [
        { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] },
        ...applicable.filter((r) => r.nonResourceURLs !== undefined).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      ];
      response = { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { resourceRules, nonResourceRules, incomplete: false } };
    }
    const acceptsProtobuf = ctx.accept.some((m) => m.type === PROTOBUF_CONTENT_TYPE);
    if (protobuf && acceptsProtobuf) {
      const buf = encodeAuthzProtobuf(response);
      ctx.rec.status = 201;
      ctx.res.writeHead(201, { 'Content-Type': PROTOBUF_CONTENT_TYPE, 'Content-Length': String(buf.length), 'Cache-Control': 'no-cache, private' });
      ctx.res.end(buf);
      return;
    }
    this.send(ctx, 201, response);
  }

  // --- pods/log ----------------------------------------------------------------------------------

  private podLog(ctx: Ctx, ns: string, name: string): void {
    const q = ctx.url.searchParams;
    const pod = this.state.getPod(ns, name);
    if (pod === undefined) throw notFound('', 'pods', name);
    const container = resolveContainer(pod, q.get('container') ?? '');
    const previous = isTrue(q.get('previous'));
    const num = (k: string): number | undefined => {
      const v = q.get(k);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw badRequest(`${k}: Invalid value: "${v}": must be an integer`);
      return n;
    };
    const tailLines = num('tailLines');
    const limitBytes = num('limitBytes');
    const sinceSeconds = num('sinceSeconds');
    const sinceTime = q.get('sinceTime');
    if (sinceSeconds !== undefined && sinceTime !== null) {
      throw invalid({ kind: 'PodLogOptions' }, '', [{ field: '', reason: 'FieldValueForbidden', message: 'at most one of `sinceTime` or `sinceSeconds` may be specified' }]);
    }
    if (limitBytes !== undefined && limitBytes < 1) throw invalid({ kind: 'PodLogOptions' }, '', [{ field: 'limitBytes', reason: 'FieldValueInvalid', message: `Invalid value: ${limitBytes}: must be greater than 0` }]);
    const follow = isTrue(q.get('follow'));
    const timestamps = isTrue(q.get('timestamps'));
    const sendText = (text: string, keepOpen: boolean): void => {
      ctx.rec.status = 200;
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      ctx.res.write(text);
      if (!keepOpen) ctx.res.end();
    };
    // An unscheduled pod has no kubelet to ask: the apiserver answers an empty 200.
    if (pod.spec.nodeName === undefined || pod.spec.nodeName === '') return sendText('', false);
    const text = this.kubeletLog(pod, container, previous);
    let sinceMs: number | undefined;
    if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
    if (sinceTime !== null) {
      sinceMs = Date.parse(sinceTime);
      if (Number.isNaN(sinceMs)) throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`);
    }
    const render = (raw: string, tail: number | undefined): string => {
      let lines = splitLogLines(raw);
      if (tail !== undefined && tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
      if (sinceMs !== undefined) lines = lines.filter((l) => l.ts === undefined || Date.parse(l.ts) >= (sinceMs as number));
      return lines.map((l) => (timestamps && l.ts !== undefined ? `${l.ts} ${l.msg}\n` : `${l.msg}\n`)).join('');
    };
    let out = render(text, tailLines);
    let budget = limitBytes;
    if (budget !== undefined) {
      const buf = Buffer.from(out);
      out = buf.subarray(0, budget).toString('utf8');
      budget -= Math.min(budget, buf.length);
    }
    const running = pod.status.containerStatuses?.find((c) => c.name === container)?.state?.running !== undefined;
    if (!follow || previous || !running || budget === 0) return sendText(out, false);
    sendText(out, true);
    const key = this.state.logKey(ns, name, container);
    const onLog = (e: { key: string; text: string }): void => {
      if (e.key !== key) return;
      let chunk = render(e.text, undefined);
      if (budget !== undefined) {
        const b = Buffer.from(chunk);
        chunk = b.subarray(0, budget).toString('utf8');
        budget -= Math.min(budget, b.length);
      }
      ctx.res.write(chunk);
      if (budget === 0) end();
    };
    const onChange = (e: ChangeEvent): void => {
      if (e.resource === 'pods' && e.type === 'DELETED' && e.object.metadata.namespace === ns && e.object.metadata.name === name) end();
    };
    const end = (): void => {
      this.state.off('log', onLog);
      this.state.off('change', onChange);
      untrack();
      if (!ctx.res.writableEnded) ctx.res.end();
    };
    this.state.on('log', onLog);
    this.state.on('change', onChange);
    const untrack = this.track(this.cleanups, end);
    ctx.res.once('close', end);
  }

  /** kubelet validateContainerLogStatus: which log exists, or the 400 the kubelet answers. */
  private kubeletLog(pod: Pod, container: string, previous: boolean): string {
    const podName = pod.metadata.name;
    const statuses = [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])];
    const st = statuses.find((c) => c.name === container);
    if (st === undefined) throw badRequest(`container "${container}" in pod "${podName}" is not available`);
    const logs = this.state.logs.get(this.state.logKey(pod.metadata.namespace ?? '', podName, container)) ?? {};
    const last = st.lastState?.terminated;
    const { waiting, running, terminated } = st.state ?? {};
    if (previous) {
      if (last === undefined || (last.containerID ?? '') === '') throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
      return logs.previous ?? '';
    }
    if (running !== undefined) return logs.current ?? '';
    if (terminated !== undefined) {
      if ((terminated.containerID ?? '') !== '') return logs.current ?? '';
      if (last !== undefined && (last.containerID ?? '') !== '') return logs.previous ?? logs.current ?? '';
      throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
    }
    if (last !== undefined) {
      // Waiting to restart (CrashLoopBackOff): the kubelet serves the last terminated instance,
      // the same one `previous=true` returns.
      if ((last.containerID ?? '') === '') throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
      return logs.previous ?? logs.current ?? '';
    }
    if (waiting !== undefined) {
      const reason = waiting.reason ?? '';
      if (reason === 'ErrImagePull') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
      if (reason === 'ImagePullBackOff') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
  }

  // --- pods/exec ---------------------------------------------------------------------------------

  private rejectUpgrade(socket: Duplex, rec: RecordedRequest, err: unknown): void {
    const se = err instanceof StatusError ? err : new StatusError(500, `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
    const body = JSON.stringify(se.toStatus());
    rec.status = se.code;
    const extra = Object.entries(se.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.end(
      `HTTP/1.1 ${se.code} ${http.STATUS_CODES[se.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
    );
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.trackSocket(socket);
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://x');
    const rec = this.record(req, url);
    const method = (req.method ?? 'GET').toUpperCase();
    const { user } = this.authenticate(req);
    rec.user = user?.name ?? null;
    const info = requestInfo(method, url.pathname, url.searchParams);
    if (info.isResource) rec.verb = info.verb;
    let fault: FaultRule | undefined;
    try {
      fault = this.matchFault(method, url.pathname);
      if (fault !== undefined) {
        if (fault.latencyMs !== undefined && fault.latencyMs > 0) await this.sleep(fault.latencyMs);
        if (fault.hang === true) return;
        if (fault.status !== undefined) throw this.faultError(fault, info, user);
      }
      if (user === null) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      if (info.resource !== 'pods' || info.subresource !== 'exec' || info.info === undefined) {
        throw new StatusError(404, 'the server could not find the requested resource', 'NotFound', {});
      }
      this.authorize(user, info);
      const q = url.searchParams;
      const pod = this.state.getPod(info.namespace, info.name);
      if (pod === undefined) throw notFound('', 'pods', info.name);
      const container = resolveContainer(pod, q.get('container') ?? '');
      if (pod.spec.nodeName === undefined || pod.spec.nodeName === '') throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
      if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') {
        throw badRequest(`cannot exec into a container in a completed pod; current phase is ${pod.status.phase}`);
      }
      const command = q.getAll('command');
      if (command.length === 0) throw badRequest('you must specify at least 1 command');
      const st = [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])].find((c) => c.name === container);
      if (st?.state?.running === undefined) {
        throw new StatusError(500, `Internal error occurred: error executing command in container: container is not created or running: container not found ("${container}")`, 'InternalError');
      }
      const wantStdin = isTrue(q.get('stdin'));
      const wantStdout = isTrue(q.get('stdout'));
      const wantStderr = isTrue(q.get('stderr'));
      const tty = isTrue(q.get('tty'));
      if (!wantStdin && !wantStdout && !wantStderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
      const upgrade = (req.headers.upgrade ?? '').toLowerCase();
      if (upgrade !== 'websocket') {
        // SPDY/3.1 is what kubectl falls back to when the WebSocket upgrade fails; not spoken here.
        // Checked last, so a fallback attempt still reports the pod/container error first.
        throw badRequest(`unable to upgrade connection: this test server speaks only WebSocket (${SUPPORTED_EXEC_PROTOCOLS.join(', ')}), not ${upgrade}`);
      }
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((x: string) => x.trim()).filter((x: string) => x !== '');
      const protocol = offered.length === 0 ? 'channel.k8s.io' : chooseExecProtocol(offered);
      if (protocol === false) {
        throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(SUPPORTED_EXEC_PROTOCOLS)}`);
      }
      const ns = info.namespace;
      const podName = info.name;
      const env = this.execEnv(pod, container);
      const execFixture = this.state.exec.get(`${ns}/${podName}/${container}`) ?? this.state.exec.get(`${ns}/${podName}`);
      // Only the fixture's cwd: the container's workingDir is a path inside an image, not on this host.
      const cwd = execFixture?.cwd;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        rec.status = 101;
        rec.subprotocol = ws.protocol === '' ? protocol : ws.protocol;
        this.websockets.add(ws);
        const podKey = `${ns}/${podName}`;
        let sessions = this.execByPod.get(podKey);
        if (sessions === undefined) this.execByPod.set(podKey, (sessions = new Set()));
        sessions.add(ws);
        ws.once('close', () => {
          this.websockets.delete(ws);
          sessions?.delete(ws);
        });
        runExecSession({
          ws,
          protocol: ws.protocol === '' ? protocol : ws.protocol,
          wantStdin,
          wantStdout,
          wantStderr,
          tty,
          fault: fault?.exec,
          command,
          start: async (stdin, signal): Promise<ExecResult> =>
            this.execHandler({ namespace: ns, pod: podName, container, command, tty, stdin, env, cwd, podObject: pod, signal }),
        });
      });
    } catch (err) {
      this.rejectUpgrade(socket, rec, err);
    }
  }

  private execEnv(pod: Pod, container: string): Record<string, string> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: pod.metadata.name };
    if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
    for (const e of allContainers(pod).find((c) => c.name === container)?.env ?? []) {
      if (typeof e.value === 'string') env[e.name] = e.value;
    }
    const ns = pod.metadata.namespace ?? '';
    const fx = this.state.exec.get(`${ns}/${pod.metadata.name}/${container}`) ?? this.state.exec.get(`${ns}/${pod.metadata.name}`);
    Object.assign(env, fx?.env ?? {});
    return env;
  }

  // --- pod lifecycle -----------------------------------------------------------------------------

  private behaviorFor(node: string): NodeBehavior {
    return this.lifecycle.nodes.get(node) ?? { kind: 'run' };
  }

  /** Defaulting + admission for a POSTed pod. */
  private admitPod(pod: Pod): Pod {
    const name = pod.metadata.name;
    if (pod.spec === undefined || !Array.isArray(pod.spec.containers) || pod.spec.containers.length === 0) {
      throw invalid({ kind: 'Pod' }, name, [{ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' }]);
    }
    pod.spec.containers.forEach((c, i) => {
      if (c.image === undefined || c.image === '') {
        throw invalid({ kind: 'Pod' }, name, [{ field: `spec.containers[${i}].image`, reason: 'FieldValueRequired', message: 'Required value' }]);
      }
    });
    const node = pod.spec.nodeName;
    if (node !== undefined && node !== '') {
      const b = this.behaviorFor(node);
      if (b.kind === 'reject') {
        const first = pod.spec.containers[0]?.name ?? 'container';
        if (b.code === 403) {
          throw new StatusError(403, `pods "${name}" is forbidden: ${b.message ?? `violates PodSecurity "baseline:latest": privileged (container "${first}" must not set securityContext.privileged=true)`}`, 'Forbidden', { name, kind: 'pods' });
        }
        throw invalid({ kind: 'Pod' }, name, [{ field: 'spec.nodeName', reason: 'FieldValueInvalid', message: b.message ?? `Invalid value: "${node}": rejected by admission` }]);
      }
    }
    const spec = pod.spec;
    spec.restartPolicy ??= 'Always';
    spec.schedulerName ??= 'default-scheduler';
    spec.serviceAccountName ??= 'default';
    (spec as Record<string, unknown>).serviceAccount ??= spec.serviceAccountName;
    (spec as Record<string, unknown>).dnsPolicy ??= 'ClusterFirst';
    (spec as Record<string, unknown>).terminationGracePeriodSeconds ??= 30;
    (spec as Record<string, unknown>).securityContext ??= {};
    (spec as Record<string, unknown>).enableServiceLinks ??= true;
    (spec as Record<string, unknown>).preemptionPolicy ??= 'PreemptLowerPriority';
    (spec as Record<string, unknown>).priority ??= 0;
    (spec as Record<string, unknown>).tolerations ??= [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ];
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      c.imagePullPolicy ??= /:latest$/.test(c.image ?? '') || !/:[^/]+$/.test(c.image ?? '') ? 'Always' : 'IfNotPresent';
    }
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
    return pod;
  }

  private simulatePod(pod: Pod): void {
    const ns = pod.metadata.namespace as string;
    const name = pod.metadata.name;
    const uid = pod.metadata.uid;
    const alive = (): Pod | undefined => {
      const p = this.state.getPod(ns, name);
      return p !== undefined && p.metadata.uid === uid && p.metadata.deletionTimestamp === undefined ? p : undefined;
    };
    const ref = (fieldPath?: string): Record<string, string> => {
      const r: Record<string, string> = { kind: 'Pod', namespace: ns, name, uid: uid ?? '', apiVersion: 'v1' };
      if (fieldPath !== undefined) r.fieldPath = fieldPath;
      return r;
    };
    const schedule = (): void => {
      const p = alive();
      if (p === undefined) return;
      let node = p.spec.nodeName;
      if (node === undefined || node === '') {
        // Like the default scheduler's spreading: the feasible node running the fewest pods.
        const load = (n: string): number => (this.state.list('pods') as Pod[]).filter((x) => x.spec.nodeName === n).length;
        const candidate = (this.state.list('nodes') as Node[])
          .filter((n) => n.spec.unschedulable !== true && n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec.taints ?? []).some((t) => t.effect === 'NoSchedule'))
          .map((n) => ({ n, load: load(n.metadata.name) }))
          .sort((a, b) => a.load - b.load)[0]?.n;
        if (candidate === undefined) {
          this.state.update<Pod>('pods', ns, name, (x) => {
            x.status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: nowStamp(), reason: 'Unschedulable', message: '0/0 nodes are available: no nodes available to schedule pods.' }];
          });
          return;
        }
        node = candidate.metadata.name;
        const n = node;
        this.state.update<Pod>('pods', ns, name, (x) => {
          x.spec.nodeName = n;
          x.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowStamp() }];
        });
        this.state.recordEvent({ involvedObject: ref(), reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${n}`, component: 'default-scheduler' });
      }
      const nodeObj = this.state.get<Node>('nodes', undefined, node);
      // No kubelet behind a node name that does not exist: the pod stays Pending, unscheduled-looking.
      if (nodeObj === undefined) return;
      const hostIP = nodeObj.status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
      this.state.update<Pod>('pods', ns, name, (x) => {
        const t = nowStamp();
        x.status.hostIP = hostIP;
        x.status.hostIPs = [{ ip: hostIP }];
        x.status.startTime = t;
        x.status.conditions = [
          { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: t },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
          { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: `containers with unready status: [${x.spec.containers.map((c) => c.name).join(' ')}]` },
          { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: `containers with unready status: [${x.spec.containers.map((c) => c.name).join(' ')}]` },
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: x.status.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime ?? t },
        ];
        x.status.containerStatuses = x.spec.containers.map((c) => waitingStatus(c, 'ContainerCreating'));
      });
      this.setTimer(() => start(node as string, nodeObj), this.lifecycle.startDelayMs);
    };
    const start = (node: string, nodeObj: Node): void => {
      const p = alive();
      if (p === undefined) return;
      const b = this.behaviorFor(node);
      const kubelet = { component: 'kubelet', host: node };
      switch (b.kind) {
        case 'never-running': {
          const gw = gatewayOf(nodeObj.spec.podCIDR);
          const msg =
            b.sandboxError ??
            `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${hex(64)}": plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from ${gw}`;
          this.state.recordEvent({ involvedObject: ref(), reason: 'FailedCreatePodSandBox', message: msg, type: 'Warning', ...kubelet });
          return;
        }
        case 'image-pull-backoff': {
          const c = p.spec.containers[0] as Container;
          const image = c.image ?? '';
          const fp = `spec.containers{${c.name}}`;
          const pullErr = b.message ?? `failed to pull and unpack image "${qualifyImage(image)}": failed to resolve reference "${qualifyImage(image)}": ${qualifyImage(image)}: not found`;
          this.setPodIP(ns, name, p, nodeObj);
          this.state.recordEvent({ involvedObject: ref(fp), reason: 'Pulling', message: `Pulling image "${image}"`, ...kubelet });
          this.state.recordEvent({ involvedObject: ref(fp), reason: 'Failed', message: `Failed to pull image "${image}": rpc error: code = NotFound desc = ${pullErr}`, type: 'Warning', ...kubelet });
          this.state.recordEvent({ involvedObject: ref(fp), reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning', ...kubelet });
          this.state.update<Pod>('pods', ns, name, (x) => {
            x.status.containerStatuses = x.spec.containers.map((cc) =>
              cc.name === c.name ? waitingStatus(cc, 'ErrImagePull', `rpc error: code = NotFound desc = ${pullErr}`) : waitingStatus(cc, 'ContainerCreating'),
            );
          });
          this.setTimer(() => {
            if (alive() === undefined) return;
            this.state.recordEvent({ involvedObject: ref(fp), reason: 'BackOff', message: `Back-off pulling image "${image}"`, ...kubelet });
            this.state.recordEvent({ involvedObject: ref(fp), reason: 'Failed', message: 'Error: ImagePullBackOff', type: 'Warning', ...kubelet });
            this.state.update<Pod>('pods', ns, name, (x) => {
              x.status.containerStatuses = x.spec.containers.map((cc) =>
                cc.name === c.name ? waitingStatus(cc, 'ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: rpc error: code = NotFound desc = ${pullErr}`) : waitingStatus(cc, 'ContainerCreating'),
              );
            });
          }, this.lifecycle.startDelayMs);
          return;
        }
        case 'run':
        case 'not-ready':
        case 'reject': {
          const ready = b.kind !== 'not-ready';
          this.setPodIP(ns, name, p, nodeObj);
          for (const c of p.spec.containers) {
            const fp = `spec.containers{${c.name}}`;
            this.state.recordEvent({ involvedObject: ref(fp), reason: 'Pulled', message: `Container image "${c.image ?? ''}" already present on machine`, ...kubelet });
            this.state.recordEvent({ involvedObject: ref(fp), reason: 'Created', message: `Created container ${c.name}`, ...kubelet });
            this.state.recordEvent({ involvedObject: ref(fp), reason: 'Started', message: `Started container ${c.name}`, ...kubelet });
          }
          this.state.update<Pod>('pods', ns, name, (x) => {
            const t = nowStamp();
            x.status.phase = 'Running';
            x.status.containerStatuses = x.spec.containers.map((c) => runningStatus(c, t, ready));
            const unready = `containers with unready status: [${x.spec.containers.map((c) => c.name).join(' ')}]`;
            x.status.conditions = (x.status.conditions ?? []).map((cond) => {
              if (cond.type === 'PodReadyToStartContainers') return { ...cond, status: 'True', lastTransitionTime: t };
              if (cond.type === 'Ready' || cond.type === 'ContainersReady') {
                return ready
                  ? { type: cond.type, status: 'True', lastProbeTime: null, lastTransitionTime: t }
                  : { ...cond, status: 'False', reason: 'ContainersNotReady', message: unready };
              }
              return cond;
            });
          });
          if (!ready) {
            const c = p.spec.containers[0] as Container;
            this.state.recordEvent({ involvedObject: ref(`spec.containers{${c.name}}`), reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', type: 'Warning', ...kubelet });
          }
          return;
        }
      }
    };
    this.setTimer(schedule, 0);
  }

  private setPodIP(ns: string, name: string, p: Pod, nodeObj: Node): void {
    const ip = p.spec.hostNetwork === true ? (p.status.hostIP ?? '') : this.allocateIP(nodeObj);
    this.state.update<Pod>('pods', ns, name, (x) => {
      x.status.podIP = ip;
      x.status.podIPs = [{ ip }];
      x.status.conditions = (x.status.conditions ?? []).map((c) => (c.type === 'PodReadyToStartContainers' ? { ...c, status: 'True' } : c));
    });
  }

  private allocateIP(node: Node): string {
    const cidr = node.spec.podCIDR ?? '10.244.0.0/24';
    const base = cidr.split('/')[0]?.split('.').map(Number) ?? [10, 244, 0, 0];
    const used = new Set((this.state.list('pods') as Pod[]).filter((p) => p.spec.nodeName === node.metadata.name).map((p) => p.status.podIP));
    for (let i = 2; i < 255; i++) {
      const ip = `${base[0]}.${base[1]}.${base[2]}.${i}`;
      if (!used.has(ip)) return ip;
    }
    return `${base[0]}.${base[1]}.${base[2]}.254`;
  }

  private killingEvents(pod: Pod): void {
    for (const c of pod.spec.containers) {
      this.state.recordEvent({
        involvedObject: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid ?? '', apiVersion: 'v1', fieldPath: `spec.containers{${c.name}}` },
        reason: 'Killing',
        message: `Stopping container ${c.name}`,
        component: 'kubelet',
        host: pod.spec.nodeName ?? '',
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function withKind(ri: ResourceInfo, o: KubeObject): KubeObject {
  return { kind: ri.kind, apiVersion: apiVersionOf(ri), ...o };
}

function includeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function sampleFor(ri: ResourceInfo): KubeObject {
  const meta = ri.namespaced ? { name: '', namespace: '' } : { name: '' };
  return { metadata: meta, spec: { containers: [] }, status: {}, involvedObject: {} };
}

function keyFor(ri: ResourceInfo, o: KubeObject): string {
  return ri.namespaced ? `${o.metadata.namespace ?? ''}/${o.metadata.name}` : o.metadata.name;
}

function encodeContinue(rv: string, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start })).toString('base64');
}

function decodeContinue(token: string): string {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { v?: string; start?: string };
    if (o.v !== 'meta.k8s.io/v1' || typeof o.start !== 'string') throw new Error('bad');
    return o.start;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function invalid(ri: { kind: string }, name: string, causes: Array<{ field: string; reason: string; message: string }>): StatusError {
  const msg = `${ri.kind} "${name}" is invalid: ${causes.map((c) => (c.field !== '' ? `${c.field}: ${c.message}` : c.message)).join(', ')}`;
  return new StatusError(422, msg, 'Invalid', { name, kind: ri.kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) });
}

function allContainers(pod: Pod): Container[] {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...(((pod.spec as Record<string, unknown>).ephemeralContainers as Container[] | undefined) ?? [])];
}

/** The apiserver's container choice for log/exec (pkg/registry/core/pod/strategy.go). */
function resolveContainer(pod: Pod, requested: string): string {
  const name = pod.metadata.name;
  if (requested === '') {
    if (pod.spec.containers.length === 1) return (pod.spec.containers[0] as Container).name;
    const names = pod.spec.containers.map((c) => c.name).join(' ');
    const init = (pod.spec.initContainers ?? []).map((c) => c.name).join(' ');
    if (init !== '') throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}] or one of the init containers: [${init}]`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]`);
  }
  if (!allContainers(pod).some((c) => c.name === requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

interface LogLine {
  ts: string | undefined;
  msg: string;
}

function splitLogLines(text: string): LogLine[] {
  if (text === '') return [];
  const raw = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return raw.map((l) => {
    const m = TIMESTAMPED.exec(l);
    return m !== null ? { ts: m[1], msg: l.slice(m[0].length) } : { ts: undefined, msg: l };
  });
}

function nowStamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function hex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

function randomSuffix(): string {
  // utilrand.String's alphabet: no vowels, no confusable characters.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function gatewayOf(cidr: string | undefined): string {
  const [addr = '10.244.0.0', bits = '24'] = (cidr ?? '10.244.0.0/24').split('/');
  const o = addr.split('.').map(Number);
  return `${o[0]}.${o[1]}.${o[2]}.${(o[3] ?? 0) + 1}/${bits}`;
}

function qualifyImage(image: string): string {
  const noTag = image;
  if (/^[^/]+\.[^/]+\//.test(noTag)) return noTag;
  return noTag.includes('/') ? `docker.io/${noTag}` : `docker.io/library/${noTag}`;
}

function waitingStatus(c: Container, reason: string, message?: string): ContainerStatus {
  const waiting: Record<string, string> = { reason };
  if (message !== undefined) waiting.message = message;
  return { name: c.name, state: { waiting }, lastState: {}, ready: false, restartCount: 0, image: c.image ?? '', imageID: '', started: false };
}

function runningStatus(c: Container, at: string, ready: boolean): ContainerStatus {
  return {
    name: c.name,
    state: { running: { startedAt: at } },
    lastState: {},
    ready,
    restartCount: 0,
    image: qualifyImage(c.image ?? ''),
    imageID: `${qualifyImage(c.image ?? '').replace(/:[^:/]+$/, '')}@sha256:${hex(64)}`,
    containerID: `containerd://${hex(64)}`,
    started: true,
  };
}

function qosClass(pod: Pod): string {
  const cs = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const r = (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
    const req = r.requests ?? {};
    const lim = r.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const k of ['cpu', 'memory']) {
      const l = lim[k];
      const q = req[k] ?? l;
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startKubeApiServer(options: StartOptions = {}): Promise<KubeApiServer> {
  const s = new Server(options);
  try {
    await s.start();
  } catch (e) {
    await s.close().catch(() => undefined);
    throw e;
  }
  return s;
}

export type { ClusterState } from './store.js';
export type { ExecContext, ExecHandler, ExecResult, ExecStreamFault } from './exec.js';
