/**
 * Proves the test API server is faithful: the real kubectl (v1.32, through the gcloud dispatcher
 * at /usr/bin/kubectl) and @kubernetes/client-node talk to it unchanged and print what they would
 * print against a real cluster. Network is 127.0.0.1 only.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import YAML from 'yaml';
import { fixtureJson, largeCluster, loadFixture, THREE_NODE_FIXTURE_PATH, threeNodeFlannelCluster } from './fixtures.js';
import { ADMIN_RULES, startKubeApiServer, type KubeApiServer, type UserConfig } from './server.js';

const execFileP = promisify(execFile);

const USERS: UserConfig[] = [
  { name: 'kubernetes-admin', token: 'admin-token', groups: ['kubeadm:cluster-admins'], rules: ADMIN_RULES },
  {
    name: 'flannel-viewer',
    token: 'viewer-token',
    rules: [{ verbs: ['get', 'list', 'watch'], resources: ['pods', 'pods/log'], apiGroups: [''], namespaces: ['kube-flannel'] }],
  },
];

// ---------------------------------------------------------------------------------------------
// kubectl harness
// ---------------------------------------------------------------------------------------------

let kubectlPath = '/usr/bin/kubectl';

async function ensureKubectl(): Promise<void> {
  if (existsSync(kubectlPath)) return;
  // Debian's kubectl package; only needed on a machine without the preinstalled one.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execFileP('apt-get', ['update'], { env });
  await execFileP('apt-get', ['install', '-y', '--no-install-recommends', 'kubernetes-client'], { env, maxBuffer: 64 * 1024 * 1024 });
  if (!existsSync(kubectlPath)) kubectlPath = 'kubectl';
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes: Buffer.concat(out) });
    });
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

class Kubectl {
  constructor(
    private readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  run(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
    // A private HOME and cache dir: nothing leaks into the real ~/.kube, and discovery is re-fetched.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, KUBECONFIG: this.kubeconfig };
    return run(kubectlPath, ['--kubeconfig', this.kubeconfig, '--cache-dir', path.join(this.dir, 'cache'), ...args], { ...opts, env });
  }
}

/** Splits kubectl's column output (cells are separated by two or more spaces). */
function table(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const split = (l: string): string[] => l.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

function rowFor(rows: string[][], name: string, col = 0): string[] {
  const r = rows.find((x) => x[col] === name);
  if (r === undefined) throw new Error(`no row ${name} in ${JSON.stringify(rows)}`);
  return r;
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function kubeConfig(server: KubeApiServer, user = 'kubernetes-admin'): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfigYaml({ user }));
  return kc;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Runs an exec through client-node's Exec and collects everything it delivers. */
async function clientExec(
  kc: k8s.KubeConfig,
  ns: string,
  pod: string,
  container: string,
  command: string[],
  stdin: Buffer | null,
  waitMs?: number,
): Promise<{ stdout: Buffer; stderr: Buffer; status: k8s.V1Status | undefined; closeCode: number }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  let status: k8s.V1Status | undefined;
  const input = stdin === null ? null : Readable.from([stdin]);
  const ws = (await new k8s.Exec(kc).exec(ns, pod, container, command, stdout, stderr, input, false, (s) => {
    status = s;
  })) as unknown as WebSocket;
  const closeCode = await new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    if (waitMs !== undefined) {
      timer = setTimeout(() => {
        ws.close();
      }, waitMs);
    }
    ws.on('close', (code: number) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(code);
    });
  });
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), status, closeCode };
}

function podBody(name: string, node: string | undefined, image = 'busybox:1.36'): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'cni-evidence-collector' } },
    spec: { ...(node !== undefined ? { nodeName: node } : {}), hostNetwork: true, containers: [{ name: 'collector', image, command: ['sleep', '3600'] }] },
  };
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const raw: unknown = e.body;
      const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      return { code: e.code, body, headers: e.headers };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

// ---------------------------------------------------------------------------------------------
// kubectl
// ---------------------------------------------------------------------------------------------

describe('the real kubectl against the test API server', () => {
  let server: KubeApiServer;
  let dir: string;
  let admin: Kubectl;
  let viewer: Kubectl;
  const fixture = threeNodeFlannelCluster({ now: new Date() });
  const pod = (ns: string, prefix: string, node?: string): string => {
    const p = fixture.pods.find((x) => x.metadata.namespace === ns && x.metadata.name.startsWith(prefix) && (node === undefined || x.spec.nodeName === node));
    if (p === undefined) throw new Error(`no fixture pod ${ns}/${prefix}`);
    return p.metadata.name;
  };
  const flannel1 = pod('kube-flannel', 'kube-flannel-ds-', 'node-1');
  const flannel2 = pod('kube-flannel', 'kube-flannel-ds-', 'node-2');
  const webStuck = pod('default', 'web-', 'node-2');

  beforeAll(async () => {
    await ensureKubectl();
    dir = await mkdtemp(path.join(tmpdir(), 'kube-api-test-'));
    server = await startKubeApiServer({ fixture, users: USERS, lifecycle: { startDelayMs: 100 } });
    await server.writeKubeconfig(path.join(dir, 'admin.kubeconfig'));
    await server.writeKubeconfig(path.join(dir, 'viewer.kubeconfig'), { user: 'flannel-viewer', context: 'viewer@test' });
    admin = new Kubectl(dir, path.join(dir, 'admin.kubeconfig'));
    viewer = new Kubectl(dir, path.join(dir, 'viewer.kubeconfig'));
  });

  afterAll(async () => {
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('get pods -A -o wide prints the server-side Table with the real columns and pod statuses', async () => {
    const r = await admin.run(['get', 'pods', '-A', '-o', 'wide']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = table(r.stdout);
    expect(t.header).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(t.rows).toHaveLength(fixture.pods.length);
    const stuck = rowFor(t.rows, webStuck, 1);
    expect(stuck).toEqual(['default', webStuck, '0/1', 'ContainerCreating', '0', expect.stringMatching(/^3[12]m$/), '<none>', 'node-2', '<none>', '<none>']);
    const crash = rowFor(t.rows, flannel2, 1);
    expect(crash.slice(0, 4)).toEqual(['kube-flannel', flannel2, '0/1', 'CrashLoopBackOff']);
    expect(crash[4]).toMatch(/^7 \(5m\d+s ago\)$/);
    expect(crash.slice(6, 8)).toEqual(['192.168.56.12', 'node-2']);
    expect(rowFor(t.rows, 'etcd-node-1', 1).slice(2, 4)).toEqual(['1/1', 'Running']);
    // kubectl asked for a Table, and for discovery through the aggregated Accept first (facts #4, #10).
    const list = server.requests.find((q) => q.path === '/api/v1/pods');
    expect(list?.accept).toContain('as=Table;v=v1;g=meta.k8s.io');
    expect(list?.query.limit).toBe('500');
    expect(server.requests.find((q) => q.path === '/apis')?.accept).toContain('g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(server.requests.some((q) => q.path === '/apis/apps/v1' && q.status === 200)).toBe(true);
  });

  it('get nodes and get nodes -o wide', async () => {
    const r = await admin.run(['get', 'nodes']);
    expect(r.code).toBe(0);
    const t = table(r.stdout);
    expect(t.header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(t.rows.map((x) => [x[0], x[1], x[2], x[4]])).toEqual([
      ['node-1', 'Ready', 'control-plane', 'v1.32.4'],
      ['node-2', 'Ready', '<none>', 'v1.32.4'],
      ['node-3', 'Ready', '<none>', 'v1.32.4'],
    ]);
    const wide = table((await admin.run(['get', 'nodes', '-o', 'wide'])).stdout);
    expect(wide.header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    expect(rowFor(wide.rows, 'node-2').slice(5)).toEqual(['192.168.56.12', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-28-amd64', 'containerd://1.7.24']);
  });

  it('label and field selectors: -l app=flannel, set-based, and --field-selector', async () => {
    const r = await admin.run(['get', 'pods', '-n', 'kube-flannel', '-l', 'app=flannel']);
    const t = table(r.stdout);
    expect(t.header).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(t.rows.map((x) => x[0]).sort()).toEqual(fixture.pods.filter((p) => p.metadata.labels?.app === 'flannel').map((p) => p.metadata.name).sort());
    expect(t.rows).toHaveLength(3);
    expect(server.requests.some((q) => q.path === '/api/v1/namespaces/kube-flannel/pods' && q.query.labelSelector === 'app=flannel')).toBe(true);

    const setBased = (await admin.run(['get', 'pods', '-A', '-l', 'k8s-app in (kube-proxy,kube-dns),!tier', '-o', 'name'])).stdout.trim().split('\n');
    expect(setBased).toHaveLength(5);
    expect(setBased.every((n) => /^pod\/(kube-proxy|coredns)-/.test(n))).toBe(true);

    const onNode2 = table((await admin.run(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-2,status.phase!=Running'])).stdout);
    expect(onNode2.rows.map((x) => x[1])).toEqual([webStuck]);

    const bad = await admin.run(['get', 'pods', '-A', '--field-selector', 'spec.foo=bar']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo');
  });

  it('describe pod shows the FailedCreatePodSandBox events (found through the involvedObject.uid field selector)', async () => {
    const r = await admin.run(['describe', 'pod', webStuck]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Status:\s+Pending$/m);
    expect(r.stdout).toMatch(/^\s+Reason:\s+ContainerCreating$/m);
    expect(r.stdout).toMatch(/^Node:\s+node-2\/192\.168\.56\.12$/m);
    const events = r.stdout.slice(r.stdout.indexOf('Events:'));
    expect(events).toMatch(/Type\s+Reason\s+Age\s+From\s+Message/);
    expect(events).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-\S+ to node-2/);
    expect(events).toMatch(
      /Warning\s+FailedCreatePodSandBox\s+\S+\s+kubelet\s+Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="flannel" failed \(add\): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from 10\.244\.1\.1\/24/,
    );
    expect(events).toMatch(/Warning\s+FailedCreatePodSandBox\s+\d+s \(x\d+ over \d+m\)\s+kubelet\s+\(combined from similar events\): Failed to create pod sandbox/);
    const uid = fixture.pods.find((p) => p.metadata.name === webStuck)?.metadata.uid ?? '';
    const evReq = server.requests.find((q) => q.path === '/api/v1/namespaces/default/events' && typeof q.query.fieldSelector === 'string' && q.query.fieldSelector.includes(webStuck));
    expect(evReq?.query.fieldSelector).toContain(`involvedObject.uid=${uid}`);
  });

  it('logs: current, --previous, --tail/--timestamps, and the kubelet 400s', async () => {
    const cur = await admin.run(['logs', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--tail=2']);
    expect(cur.code).toBe(0);
    expect(cur.stdout.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} {7}1 iptables\.go:357\] bootstrap done$/),
      expect.stringMatching(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} {7}1 iptables\.go:357\] bootstrap done$/),
    ]);

    const stamped = await admin.run(['logs', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--tail=1', '--timestamps']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z I\d{4} [\d:.]+ {7}1 iptables\.go:357\] bootstrap done\n$/);

    const prev = await admin.run(['logs', '-n', 'kube-flannel', flannel2, '-c', 'kube-flannel', '--previous']);
    expect(prev.code).toBe(0);
    expect(prev.stdout).toContain('Error registering network: failed to configure interface flannel.1: failed to ensure address of interface flannel.1: link has incompatible addresses. Remove additional addresses and try again.');
    expect(prev.stdout.trimEnd().split('\n').at(-1)).toMatch(/main\.go:448\] Stopping shutdownHandler\.\.\.$/);
    // While it waits in CrashLoopBackOff the kubelet serves the last terminated instance for a plain `logs` too.
    const crashCurrent = await admin.run(['logs', '-n', 'kube-flannel', flannel2, '-c', 'kube-flannel']);
    expect(crashCurrent.stdout).toBe(prev.stdout);

    const waiting = await admin.run(['logs', webStuck]);
    expect(waiting.code).toBe(1);
    expect(waiting.stdout).toBe('');
    expect(waiting.stderr.trim()).toBe(`Error from server (BadRequest): container "app" in pod "${webStuck}" is waiting to start: ContainerCreating`);

    const noPrev = await admin.run(['logs', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '-p']);
    expect(noPrev.code).toBe(1);
    expect(noPrev.stderr.trim()).toBe(`Error from server (BadRequest): previous terminated container "kube-flannel" in pod "${flannel1}" not found`);

    const logReq = server.requests.filter((q) => q.path === `/api/v1/namespaces/kube-flannel/pods/${flannel2}/log`);
    expect(logReq.some((q) => q.query.previous === 'true' && q.query.container === 'kube-flannel' && q.status === 200)).toBe(true);
  });

  it("exec -- sh -c 'echo hi; echo err >&2; exit 3' gives stdout, stderr and exit code 3", async () => {
    const r = await admin.run(['exec', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('err\ncommand terminated with exit code 3\n');
    expect(r.code).toBe(3);
    const q = server.requests.find((x) => x.path.endsWith(`/pods/${flannel1}/exec`));
    expect(q?.method).toBe('GET');
    expect(q?.status).toBe(101);
    expect(q?.subprotocol).toBe('v5.channel.k8s.io');
    expect(q?.query.command).toEqual(['sh', '-c', 'echo hi; echo err >&2; exit 3']);
  });

  it('exec -i pipes stdin through and sees the pod env', async () => {
    const input = `line one\n${'x'.repeat(200_000)}\nlast line\n`;
    const r = await admin.run(['exec', '-i', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--', 'sh', '-c', 'wc -c; echo "pod=$POD_NAME ns=$POD_NAMESPACE depth=$EVENT_QUEUE_DEPTH"'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${Buffer.byteLength(input)}\npod=${flannel1} ns=kube-flannel depth=5000\n`);
  });

  it('exec passes binary data unmodified in both directions', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const file = path.join(dir, 'blob.bin');
    await writeFile(file, data);
    const up = await admin.run(['exec', '-i', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--', 'sha256sum'], { input: data });
    expect(up.stdout).toBe(`${sha256(data)}  -\n`);
    const down = await admin.run(['exec', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--', 'cat', file]);
    expect(down.code).toBe(0);
    expect(down.stdoutBytes.length).toBe(data.length);
    expect(sha256(down.stdoutBytes)).toBe(sha256(data));
  });

  it('kubectl cp copies a file out of a pod through the exec tar stream', async () => {
    const data = randomBytes(512 * 1024);
    const src = path.join(dir, 'evidence.bin');
    await writeFile(src, data);
    const dest = path.join(dir, 'copied.bin');
    const r = await admin.run(['cp', '-n', 'kube-flannel', '-c', 'kube-flannel', `${flannel1}:${src}`, dest]);
    expect(r.code).toBe(0);
    expect(sha256(await readFile(dest))).toBe(sha256(data));
    expect(server.requests.filter((q) => q.path.endsWith('/exec') && q.status === 101).at(-1)?.query.command).toEqual(['tar', 'cf', '-', src]);
  });

  it('exec into a container that is not running is refused', async () => {
    const r = await admin.run(['exec', webStuck, '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container not found ("app")');
  });

  it('auth can-i (protobuf SelfSubjectAccessReview) and can-i --list (SelfSubjectRulesReview)', async () => {
    const yes = await admin.run(['auth', 'can-i', 'create', 'pods/exec', '-n', 'kube-system']);
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    const no = await viewer.run(['auth', 'can-i', 'create', 'pods', '-n', 'kube-system']);
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    const logs = await viewer.run(['auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'kube-flannel']);
    expect(logs.stdout).toBe('yes\n');
    const ssar = server.requests.filter((q) => q.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(ssar.every((q) => q.contentType === 'application/vnd.kubernetes.protobuf' && q.status === 201)).toBe(true);
    const list = await viewer.run(['auth', 'can-i', '--list', '-n', 'kube-flannel']);
    expect(list.code).toBe(0);
    const t = table(list.stdout);
    expect(t.header).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(t.rows).toContainEqual(['pods/log', '[]', '[]', '[get list watch]']);
    expect(t.rows).toContainEqual(['pods', '[]', '[]', '[get list watch]']);
  });

  it('a forbidden user gets the real RBAC messages, even for a namespace that does not exist', async () => {
    const create = await viewer.run(['run', 'x', '--image=busybox', '-n', 'kube-system']);
    expect(create.code).toBe(1);
    expect(create.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "flannel-viewer" cannot create resource "pods" in API group "" in the namespace "kube-system"');
    const ghost = await viewer.run(['create', 'configmap', 'x', '-n', 'no-such-namespace']);
    expect(ghost.stderr.trim()).toBe('error: failed to create configmap: configmaps is forbidden: User "flannel-viewer" cannot create resource "configmaps" in API group "" in the namespace "no-such-namespace"');
    const nodes = await viewer.run(['get', 'nodes']);
    expect(nodes.stderr.trim()).toBe('Error from server (Forbidden): nodes is forbidden: User "flannel-viewer" cannot list resource "nodes" in API group "" at the cluster scope');
    const exec = await viewer.run(['exec', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--', 'true']);
    expect(exec.stderr.trim()).toBe(`Error from server (Forbidden): pods "${flannel1}" is forbidden: User "flannel-viewer" cannot create resource "pods/exec" in API group "" in the namespace "kube-flannel"`);
    const ok = await viewer.run(['logs', '-n', 'kube-flannel', flannel1, '-c', 'kube-flannel', '--tail=1']);
    expect(ok.stdout).toMatch(/bootstrap done\n$/);
  });

  it('an unknown token is Unauthorized', async () => {
    const file = path.join(dir, 'bad.kubeconfig');
    await server.writeKubeconfig(file, { token: 'nope', user: 'kubernetes-admin' });
    const r = await new Kubectl(dir, file).run(['get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: You must be logged in to the server (Unauthorized)');
  });

  it('get daemonsets, configmaps, namespaces and events print their real columns', async () => {
    const ds = table((await admin.run(['get', 'ds', '-A', '-o', 'wide'])).stdout);
    expect(ds.header).toEqual(['NAMESPACE', 'NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const fl = rowFor(ds.rows, 'kube-flannel-ds', 1);
    expect([...fl.slice(2, 8), ...fl.slice(9)]).toEqual(['3', '3', '2', '3', '2', '<none>', 'kube-flannel', 'docker.io/flannel/flannel:v0.26.1', 'app=flannel,k8s-app=flannel']);
    const cm = table((await admin.run(['get', 'cm', '-n', 'kube-flannel'])).stdout);
    expect(cm.header).toEqual(['NAME', 'DATA', 'AGE']);
    expect(rowFor(cm.rows, 'kube-flannel-cfg').slice(0, 2)).toEqual(['kube-flannel-cfg', '2']);
    const ns = table((await admin.run(['get', 'ns'])).stdout);
    expect(ns.rows.map((r) => r.slice(0, 2))).toContainEqual(['kube-flannel', 'Active']);
    const ev = table((await admin.run(['get', 'events', '-n', 'kube-flannel', '--field-selector', 'reason=BackOff'])).stdout);
    expect(ev.header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0]?.slice(1, 4)).toEqual(['Warning', 'BackOff', `pod/${flannel2}`]);
    expect(ev.rows[0]?.[4]).toMatch(/^Back-off restarting failed container kube-flannel in pod kube-flannel-ds-\w+_kube-flannel\([0-9a-f-]{36}\)$/);
  });

  it('get -o json returns full objects (kubectl wraps the items in a List)', async () => {
    const r = await admin.run(['get', 'configmap', 'kubeadm-config', '-n', 'kube-system', '-o', 'json']);
    const cm = JSON.parse(r.stdout) as { kind: string; data: { ClusterConfiguration: string } };
    expect(cm.kind).toBe('ConfigMap');
    const cc = YAML.parse(cm.data.ClusterConfiguration) as { networking: Record<string, string> };
    expect(cc.networking).toEqual({ dnsDomain: 'cluster.local', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' });
    const list = JSON.parse((await admin.run(['get', 'pods', '-n', 'kube-flannel', '-o', 'json'])).stdout) as { kind: string; items: Array<{ kind: string; metadata: { ownerReferences: Array<{ kind: string }> } }> };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(3);
    expect(list.items.every((i) => i.kind === 'Pod' && i.metadata.ownerReferences[0]?.kind === 'DaemonSet')).toBe(true);
  });

  it('run, wait for Ready (a watch), exec into it, and delete a pod', async () => {
    const created = await admin.run(['run', 'probe', '--image=busybox:1.36', '--overrides', JSON.stringify({ spec: { nodeName: 'node-3' } }), '--', 'sleep', '3600']);
    expect(created.stdout).toBe('pod/probe created\n');
    const waited = await admin.run(['wait', '--for=condition=Ready', 'pod/probe', '--timeout=20s']);
    expect(waited.stdout).toBe('pod/probe condition met\n');
    expect(server.requests.some((q) => q.path === '/api/v1/namespaces/default/pods' && q.query.watch === 'true')).toBe(true);
    const row = table((await admin.run(['get', 'pod', 'probe', '-o', 'wide'])).stdout).rows[0] ?? [];
    expect([row[1], row[2], row[5], row[6]]).toEqual(['1/1', 'Running', '10.244.2.2', 'node-3']);
    const ex = await admin.run(['exec', 'probe', '--', 'sh', '-c', 'echo $HOSTNAME']);
    expect(ex.stdout).toBe('probe\n');
    const del = await admin.run(['delete', 'pod', 'probe', '--wait=true']);
    expect(del.stdout).toBe('pod "probe" deleted\n');
    const gone = await admin.run(['get', 'pod', 'probe']);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): pods "probe" not found');
  });

  it('kubectl sees injected faults: 500, and a hang cut by --request-timeout', async () => {
    const remove = server.addFault({ method: 'GET', path: '^/api/v1/nodes$', status: 500 });
    const r = await admin.run(['get', 'nodes']);
    remove();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/Error from server \(InternalError\): (an error on the server \("unknown"\) has prevented the request from succeeding|Internal error occurred: injected fault)/);
    // client-go honours Retry-After on a 429 and retries, so two throttled answers still end in a listing.
    server.addFault({ method: 'GET', path: '^/api/v1/nodes$', status: 429, retryAfterSeconds: 1, times: 2 });
    const before = server.requests.filter((q) => q.path === '/api/v1/nodes').length;
    const throttled = await admin.run(['get', 'nodes', '-o', 'name']);
    expect(throttled.stdout).toBe('node/node-1\nnode/node-2\nnode/node-3\n');
    expect(server.requests.filter((q) => q.path === '/api/v1/nodes').slice(before).map((q) => q.status)).toEqual([429, 429, 200]);

    const removeHang = server.addFault({ path: '^/api/v1/namespaces/default/pods$', hang: true });
    const t0 = Date.now();
    const h = await admin.run(['get', 'pods', '--request-timeout=1s']);
    removeHang();
    expect(h.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(h.stderr).toMatch(/context deadline exceeded|Client\.Timeout exceeded|request canceled/);
  });
});

// ---------------------------------------------------------------------------------------------
// client-node
// ---------------------------------------------------------------------------------------------

describe('@kubernetes/client-node against the test API server', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const fixture = threeNodeFlannelCluster({ now: new Date() });
  const flannel1 = fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && p.spec.nodeName === 'node-1')?.metadata.name ?? '';
  const flannel2 = fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && p.spec.nodeName === 'node-2')?.metadata.name ?? '';

  beforeAll(async () => {
    server = await startKubeApiServer({
      fixture,
      users: USERS,
      lifecycle: {
        startDelayMs: 80,
        nodes: {
          'node-2': { kind: 'never-running' },
          'node-4': { kind: 'run' },
        },
      },
    });
    kc = kubeConfig(server);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('lists and reads with the JSON shapes client-node deserializes', async () => {
    const all = await core.listPodForAllNamespaces();
    expect(all.items).toHaveLength(fixture.pods.length);
    expect(all.metadata?.resourceVersion).toMatch(/^\d+$/);
    const flannel = await core.listNamespacedPod({ namespace: 'kube-flannel', labelSelector: 'app=flannel,tier=node' });
    expect(flannel.items.map((p) => p.spec?.nodeName).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    const crashing = await core.readNamespacedPod({ namespace: 'kube-flannel', name: flannel2 });
    const st = crashing.status?.containerStatuses?.[0];
    expect(st?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(st?.restartCount).toBe(7);
    expect(st?.lastState?.terminated?.exitCode).toBe(1);
    expect(crashing.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(crashing.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'kube-flannel-ds', controller: true });
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.spec?.podCIDR)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(nodes.items[0]?.spec?.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    const node2 = await core.readNode({ name: 'node-2' });
    expect(node2.status?.nodeInfo?.containerRuntimeVersion).toBe('containerd://1.7.24');
    const ds = await kc.makeApiClient(k8s.AppsV1Api).listDaemonSetForAllNamespaces();
    expect(ds.items.map((d) => `${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''}`)).toEqual(['kube-flannel/kube-flannel-ds', 'kube-system/kube-proxy']);
    const cfg = await core.readNamespacedConfigMap({ namespace: 'kube-flannel', name: 'kube-flannel-cfg' });
    expect(JSON.parse(cfg.data?.['net-conf.json'] ?? '{}')).toEqual({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } });
    const ver = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(ver.gitVersion).toBe('v1.32.4');
    const missing = await apiError(core.readNamespacedPod({ namespace: 'default', name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
  });

  it('pages with limit/continue and filters events by involvedObject fields', async () => {
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedPod({ namespace: 'kube-system', limit: 3, ...(cont !== undefined ? { _continue: cont } : {}) });
      names.push(...page.items.map((p) => p.metadata?.name ?? ''));
      cont = page.metadata?._continue;
      if (pages === 0) expect(page.metadata?.remainingItemCount).toBe(fixture.pods.filter((p) => p.metadata.namespace === 'kube-system').length - 3);
      pages++;
    } while (cont !== undefined && cont !== '');
    expect(names).toEqual(fixture.pods.filter((p) => p.metadata.namespace === 'kube-system').map((p) => p.metadata.name).sort());
    expect(pages).toBe(3);

    const stuck = fixture.pods.find((p) => p.metadata.namespace === 'default' && p.status.phase === 'Pending');
    const ev = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${stuck?.metadata.uid ?? ''},reason=FailedCreatePodSandBox,type=Warning` });
    expect(ev.items).toHaveLength(4);
    expect(ev.items.every((e) => e.source?.component === 'kubelet' && e.source.host === 'node-2')).toBe(true);
    const bad = await apiError(core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.colour=red' }));
    expect([bad.code, bad.body.message, bad.body.reason]).toEqual([400, 'field label not supported: involvedObject.colour', 'BadRequest']);
  });

  it('creates a pod that goes Pending -> Running, execs a 1 MiB binary payload through cat, and deletes it', async () => {
    const created = await core.createNamespacedPod({ namespace: 'kube-system', body: podBody('cni-evidence-node-3', 'node-3') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.status?.phase).toBe('Pending');
    expect(created.spec?.restartPolicy).toBe('Always');
    const runningPod = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: 'kube-system', name: 'cni-evidence-node-3' });
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true ? p : undefined;
    }, 5000, 'pod Running');
    expect(runningPod.status?.podIP).toBe('192.168.56.13');
    expect(runningPod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    const payload = randomBytes(1024 * 1024);
    const res = await clientExec(kc, 'kube-system', 'cni-evidence-node-3', 'collector', ['cat'], payload);
    expect(res.stdout.length).toBe(payload.length);
    expect(sha256(res.stdout)).toBe(sha256(payload));
    expect(res.status?.status).toBe('Success');
    expect(server.requests.filter((q) => q.path.endsWith('/cni-evidence-node-3/exec')).at(-1)?.subprotocol).toBe('v5.channel.k8s.io');

    const failed = await clientExec(kc, 'kube-system', 'cni-evidence-node-3', 'collector', ['sh', '-c', 'printf out; printf err >&2; exit 7'], null);
    expect([failed.stdout.toString(), failed.stderr.toString()]).toEqual(['out', 'err']);
    expect(failed.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });

    const missing = await clientExec(kc, 'kube-system', 'cni-evidence-node-3', 'collector', ['/no/such/binary'], null);
    expect(missing.status).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 });
    expect(missing.status?.message).toContain('exec: "/no/such/binary": executable file not found in $PATH');

    const deleted = await core.deleteNamespacedPod({ namespace: 'kube-system', name: 'cni-evidence-node-3', body: { gracePeriodSeconds: 0, propagationPolicy: 'Background' } });
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const gone = await apiError(core.readNamespacedPod({ namespace: 'kube-system', name: 'cni-evidence-node-3' }));
    expect(gone.code).toBe(404);
  });

  it('Log streams current and previous logs with tailLines/limitBytes, and returns the kubelet 400s', async () => {
    const collect = async (ns: string, pod: string, container: string, opts: k8s.LogOptions): Promise<string> => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (b: Buffer) => chunks.push(b));
      const ended = new Promise((r) => out.on('end', r));
      await new k8s.Log(kc).log(ns, pod, container, out, opts);
      await ended;
      return Buffer.concat(chunks).toString('utf8');
    };
    const tail = await collect('kube-flannel', flannel1, 'kube-flannel', { tailLines: 3 });
    expect(tail.split('\n')).toHaveLength(4);
    expect(tail).toContain('Waiting for all goroutines to exit');
    const limited = await collect('kube-flannel', flannel1, 'kube-flannel', { limitBytes: 10 });
    expect(Buffer.byteLength(limited)).toBe(10);
    const previous = await collect('kube-flannel', flannel2, 'kube-flannel', { previous: true });
    expect(previous).toContain('link has incompatible addresses');
    const recent = await collect('kube-flannel', flannel1, 'kube-flannel', { sinceSeconds: 60 });
    expect(recent).toBe('');
    const raw = await fetchText(server, `/api/v1/namespaces/default/pods/${fixture.pods.find((p) => p.status.phase === 'Pending')?.metadata.name ?? ''}/log`);
    expect(raw.status).toBe(400);
    expect(raw.contentType).toBe('application/json');
    expect(JSON.parse(raw.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    const ok = await fetchText(server, `/api/v1/namespaces/kube-flannel/pods/${flannel1}/log?container=kube-flannel&tailLines=1`);
    expect(ok.contentType).toBe('text/plain');
  });

  it('Log with follow streams appended lines until the pod is deleted', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podBody('follow-me', 'node-1') });
    await waitFor(async () => ((await core.readNamespacedPod({ namespace: 'default', name: 'follow-me' })).status?.phase === 'Running' ? true : undefined), 5000, 'Running');
    server.state.appendLog('default', 'follow-me', 'collector', 'first line\n');
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const ended = new Promise((r) => out.on('end', r));
    await new k8s.Log(kc).log('default', 'follow-me', 'collector', out, { follow: true, timestamps: true });
    await waitFor(() => (text.includes('first line') ? true : undefined), 3000, 'first line');
    server.state.appendLog('default', 'follow-me', 'collector', 'second line\nthird line\n');
    await waitFor(() => (text.includes('third line') ? true : undefined), 3000, 'appended lines');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'follow-me', gracePeriodSeconds: 0 });
    await ended;
    expect(text.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\S+Z /, ''))).toEqual(['first line', 'second line', 'third line']);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z first line\n/);
  });

  it('exec keeps a 24 MiB stream intact under backpressure in both directions', async () => {
    const payload = randomBytes(24 * 1024 * 1024);
    const res = await clientExec(kc, 'kube-flannel', flannel1, 'kube-flannel', ['sh', '-c', 'cat; echo done >&2'], payload);
    expect(res.stdout.length).toBe(payload.length);
    expect(sha256(res.stdout)).toBe(sha256(payload));
    expect(res.stderr.toString()).toBe('done\n');
    expect(res.status?.status).toBe('Success');
  });

  it('exec speaks v4 and base64 channel protocols to clients that offer only those', async () => {
    const { WebSocket: WS } = await import('ws');
    const open = (protocol: string, command: string[]): Promise<{ frames: Array<Buffer | string>; protocol: string }> =>
      new Promise((resolve, reject) => {
        const q = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
        const ws = new WS(`${server.url.replace('https', 'wss')}/api/v1/namespaces/kube-flannel/pods/${flannel1}/exec?${q}&stdout=true&stderr=true&container=kube-flannel`, [protocol], {
          ca: server.caPem,
          headers: { Authorization: 'Bearer admin-token' },
        });
        const frames: Array<Buffer | string> = [];
        ws.on('message', (data: Buffer, isBinary: boolean) => frames.push(isBinary ? Buffer.from(data) : data.toString()));
        ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
        ws.on('error', reject);
      });
    const v4 = await open('v4.channel.k8s.io', ['sh', '-c', 'printf ok; exit 2']);
    expect(v4.protocol).toBe('v4.channel.k8s.io');
    const v4Frames = v4.frames.filter((f): f is Buffer => Buffer.isBuffer(f) && f.length > 1);
    expect(v4Frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [1, 'ok'],
      [3, JSON.stringify({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [sh -c printf ok; exit 2], exit code 2', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } })],
    ]);
    const b64 = await open('base64.channel.k8s.io', ['printf', '\\377\\000binary']);
    expect(b64.protocol).toBe('base64.channel.k8s.io');
    const out = b64.frames.filter((f): f is string => typeof f === 'string' && f.startsWith('1') && f.length > 1);
    expect(Buffer.concat(out.map((f) => Buffer.from(f.slice(1), 'base64')))).toEqual(Buffer.from([0xff, 0x00, ...Buffer.from('binary')]));
  });

  it('SelfSubjectAccessReview over JSON answers from the RBAC table', async () => {
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const review = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'kube-system' } } } });
    expect(review.status?.allowed).toBe(true);
    const viewerKc = kubeConfig(server, 'flannel-viewer');
    const denied = await viewerKc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'list', resource: 'nodes' } } } });
    expect(denied.status?.allowed).toBe(false);
    const allowed = await viewerKc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'kube-flannel' } } } });
    expect(allowed.status?.allowed).toBe(true);
  });

  it('Watch delivers ADDED/MODIFIED/DELETED for a created pod', async () => {
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'app=cni-evidence-collector' },
      (type: string, obj: k8s.V1Pod) => seen.push(`${type}:${obj.status?.phase ?? ''}`),
      () => undefined,
    );
    await core.createNamespacedPod({ namespace: 'default', body: podBody('watched', 'node-1') });
    await waitFor(() => (seen.includes('MODIFIED:Running') ? true : undefined), 5000, 'Running via watch');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'watched', gracePeriodSeconds: 0 });
    await waitFor(() => (seen.some((s) => s.startsWith('DELETED')) ? true : undefined), 5000, 'DELETED via watch');
    req.abort();
    expect(seen[0]).toBe('ADDED:Pending');
  });

  it('simulates per-node failures: never Running, ImagePullBackOff, admission rejects, NotReady', async () => {
    // node-2 was configured never-running at start: the CNI failure.
    await core.createNamespacedPod({ namespace: 'default', body: podBody('stuck', 'node-2') });
    const ev = await waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=stuck,reason=FailedCreatePodSandBox' });
      return list.items[0];
    }, 5000, 'FailedCreatePodSandBox');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(/"cni0" already has an IP address different from 10\.244\.1\.1\/24$/);
    const stuck = await core.readNamespacedPod({ namespace: 'default', name: 'stuck' });
    expect(stuck.status?.phase).toBe('Pending');
    expect(stuck.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');

    server.setNodeBehavior('node-3', { kind: 'image-pull-backoff' });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('pull', 'node-3', 'ghcr.io/example/collector:v9') });
    const backoff = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: 'default', name: 'pull' });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
    }, 5000, 'ImagePullBackOff');
    expect(backoff.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain('Back-off pulling image "ghcr.io/example/collector:v9"');
    const pullEvents = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=pull' });
    expect(pullEvents.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Pulling', 'Failed', 'BackOff']));

    server.setNodeBehavior('node-3', { kind: 'reject', code: 403 });
    const rejected = await apiError(core.createNamespacedPod({ namespace: 'default', body: podBody('rejected', 'node-3') }));
    expect(rejected.code).toBe(403);
    expect(rejected.body.message).toBe('pods "rejected" is forbidden: violates PodSecurity "baseline:latest": privileged (container "collector" must not set securityContext.privileged=true)');
    server.setNodeBehavior('node-3', { kind: 'reject', code: 422 });
    const invalid = await apiError(core.createNamespacedPod({ namespace: 'default', body: podBody('invalid', 'node-3') }));
    expect([invalid.code, invalid.body.reason]).toEqual([422, 'Invalid']);

    server.setNodeBehavior('node-3', { kind: 'not-ready' });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('unready', 'node-3') });
    const unready = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: 'default', name: 'unready' });
      return p.status?.phase === 'Running' ? p : undefined;
    }, 5000, 'Running');
    expect(unready.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(unready.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    server.setNodeBehavior('node-3', undefined);

    // No nodeName: the "scheduler" picks a schedulable Ready node (not the tainted control plane).
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { generateName: 'sched-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    const sched = await waitFor(async () => {
      const l = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName!=' });
      return l.items.find((p) => p.metadata?.name?.startsWith('sched-'));
    }, 5000, 'scheduled pod');
    const schedName = sched.metadata?.name ?? '';
    expect(schedName).toMatch(/^sched-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(sched.spec?.nodeName).toBe('node-2');
    expect(sched.status?.qosClass).toBe('BestEffort');
    const scheduled = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${schedName},reason=Scheduled` });
    expect(scheduled.items.map((e) => [e.source?.component, e.message])).toEqual([['default-scheduler', `Successfully assigned default/${schedName} to node-2`]]);
  });

  it('create validation: duplicate name, missing namespace, namespace mismatch', async () => {
    const dup = await apiError(core.createNamespacedPod({ namespace: 'kube-flannel', body: podBody(flannel1, 'node-1') }));
    expect([dup.code, dup.body.reason, dup.body.message]).toEqual([409, 'AlreadyExists', `pods "${flannel1}" already exists`]);
    const noNs = await apiError(core.createNamespacedPod({ namespace: 'ghost', body: podBody('x', 'node-1') }));
    expect([noNs.code, noNs.body.message]).toEqual([404, 'namespaces "ghost" not found']);
    const mismatch = await apiError(core.createNamespacedPod({ namespace: 'default', body: { ...podBody('y', 'node-1'), metadata: { name: 'y', namespace: 'kube-system' } } }));
    expect([mismatch.code, mismatch.body.message]).toEqual([400, 'the namespace of the provided object does not match the namespace sent on the request']);
  });
});

async function fetchText(server: KubeApiServer, p: string, token = 'admin-token', timeoutMs = 10_000): Promise<{ status: number; body: string; contentType: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.url}${p}`, { ca: server.caPem, headers: { Authorization: `Bearer ${token}` }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] ?? '', headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Fault injection
// ---------------------------------------------------------------------------------------------

describe('fault injection', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const fixture = threeNodeFlannelCluster({ now: new Date() });
  const flannel1 = fixture.pods.find((p) => p.metadata.namespace === 'kube-flannel' && p.spec.nodeName === 'node-1')?.metadata.name ?? '';

  beforeAll(async () => {
    server = await startKubeApiServer({ fixture, users: USERS, faults: [{ path: '^/api/v1/namespaces/kube-public/pods$', status: 403 }] });
    kc = kubeConfig(server);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('403 (configured at start) carries the real forbidden Status', async () => {
    const e = await apiError(core.listNamespacedPod({ namespace: 'kube-public' }));
    expect(e.code).toBe(403);
    expect(e.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'pods is forbidden: User "kubernetes-admin" cannot list resource "pods" in API group "" in the namespace "kube-public"' });
  });

  it('500 and 429 with Retry-After, changed at runtime and limited by times', async () => {
    server.addFault({ method: 'GET', path: '^/api/v1/nodes$', status: 500, times: 1 });
    const e = await apiError(core.listNode());
    expect([e.code, e.body.reason, e.body.message]).toEqual([500, 'InternalError', 'Internal error occurred: injected fault']);
    expect((await core.listNode()).items).toHaveLength(3);

    const remove = server.addFault({ path: '/pods$', status: 429, retryAfterSeconds: 7 });
    const r = await fetchText(server, '/api/v1/pods');
    remove();
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(JSON.parse(r.body)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 7 }, code: 429 });
    expect((await fetchText(server, '/api/v1/pods')).status).toBe(200);
  });

  it('latency delays the answer', async () => {
    const remove = server.addFault({ path: '^/api/v1/namespaces$', latencyMs: 400 });
    const t0 = Date.now();
    const ns = await core.listNamespace();
    remove();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(ns.items.map((n) => n.metadata?.name)).toContain('kube-flannel');
  });

  it('hang never answers; the client times out and the request stays unanswered', async () => {
    const remove = server.addFault({ path: '^/api/v1/namespaces/kube-system/configmaps/kube-proxy$', hang: true });
    const timeout: k8s.ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(AbortSignal.timeout(300));
        return new k8s.Observable(Promise.resolve(ctx));
      },
      post: (ctx) => new k8s.Observable(Promise.resolve(ctx)),
    };
    const withTimeout: k8s.ConfigurationOptions = { middleware: [timeout], middlewareMergeStrategy: 'append' };
    const t0 = Date.now();
    const err = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' }, withTimeout).then(
      () => undefined,
      (e: unknown) => e,
    );
    remove();
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).name) + String((err as Error).message)).toMatch(/abort/i);
    expect(Date.now() - t0).toBeLessThan(5000);
    const rec = server.requests.filter((q) => q.path === '/api/v1/namespaces/kube-system/configmaps/kube-proxy');
    expect(rec.at(-1)?.status).toBe(0);
    const raw = await fetchText(server, '/api/v1/namespaces/kube-system/configmaps/kube-proxy');
    expect(raw.status).toBe(200);
  });

  it('exec: the stream is cut after N bytes (no status), or never answered', async () => {
    const remove = server.addFault({ path: '/exec$', exec: { cutAfterBytes: 1000 } });
    const cut = await clientExec(kc, 'kube-flannel', flannel1, 'kube-flannel', ['cat'], randomBytes(256 * 1024));
    remove();
    expect(cut.stdout.length).toBe(1000);
    expect(cut.status).toBeUndefined();
    expect(cut.closeCode).toBe(1006);

    const removeHang = server.addFault({ path: '/exec$', exec: { hang: true } });
    const t0 = Date.now();
    const hung = await clientExec(kc, 'kube-flannel', flannel1, 'kube-flannel', ['echo', 'never'], null, 400);
    removeHang();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(hung.stdout.length).toBe(0);
    expect(hung.status).toBeUndefined();

    const ok = await clientExec(kc, 'kube-flannel', flannel1, 'kube-flannel', ['echo', 'back'], null);
    expect(ok.stdout.toString()).toBe('back\n');
  });
});

// ---------------------------------------------------------------------------------------------
// Plain http, fixtures, large clusters, cleanup
// ---------------------------------------------------------------------------------------------

describe('plain http, recorded fixtures, scale and cleanup', () => {
  it('serves plain http (kubectl sends no token there, so requests act as the anonymous user)', async () => {
    await ensureKubectl();
    const server = await startKubeApiServer({ protocol: 'http' });
    const dir = await mkdtemp(path.join(tmpdir(), 'kube-api-http-'));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.caPem).toBe('');
      await server.writeKubeconfig(path.join(dir, 'kubeconfig'));
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(path.join(dir, 'kubeconfig'));
      expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(3);
      const r = await new Kubectl(dir, path.join(dir, 'kubeconfig')).run(['get', 'nodes', '-o', 'name']);
      expect(r.stdout).toBe('node/node-1\nnode/node-2\nnode/node-3\n');
      expect(server.requests.filter((q) => q.path === '/api/v1/nodes').every((q) => q.user === 'kubernetes-admin')).toBe(true);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fixtures/three-node-flannel.json is exactly threeNodeFlannelCluster() (UPDATE_KUBE_FIXTURES=1 rewrites it)', async () => {
    const built = fixtureJson(threeNodeFlannelCluster());
    if (process.env.UPDATE_KUBE_FIXTURES === '1') await writeFile(THREE_NODE_FIXTURE_PATH, built);
    expect(await readFile(THREE_NODE_FIXTURE_PATH, 'utf8')).toBe(built);
    const f = await loadFixture(THREE_NODE_FIXTURE_PATH);
    expect(f.nodes.map((n) => [n.metadata.name, n.spec.podCIDR])).toEqual([
      ['node-1', '10.244.0.0/24'],
      ['node-2', '10.244.1.0/24'],
      ['node-3', '10.244.2.0/24'],
    ]);
    const uids = [...f.pods, ...f.nodes, ...f.events].map((o) => o.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const p of f.pods) expect(p.metadata.ownerReferences?.length ?? 0).toBeGreaterThan(0);
  });

  it('largeCluster: kubectl pages through 600+ pods with continue tokens', async () => {
    await ensureKubectl();
    const fixture = largeCluster({ nodes: 50, pods: 500, failingPods: 20, failingNodes: 2, now: new Date() });
    const server = await startKubeApiServer({ fixture });
    const dir = await mkdtemp(path.join(tmpdir(), 'kube-api-large-'));
    try {
      await server.writeKubeconfig(path.join(dir, 'kubeconfig'));
      const r = await new Kubectl(dir, path.join(dir, 'kubeconfig')).run(['get', 'pods', '-A', '--no-headers']);
      expect(r.code).toBe(0);
      const rows = table(`HEADER\n${r.stdout}`).rows;
      expect(rows).toHaveLength(fixture.pods.length);
      expect(rows.filter((x) => x[3] === 'ContainerCreating')).toHaveLength(20);
      expect(rows.filter((x) => x[3] === 'CrashLoopBackOff')).toHaveLength(2);
      const pages = server.requests.filter((q) => q.path === '/api/v1/pods');
      expect(pages.length).toBe(2);
      expect(typeof pages[1]?.query.continue).toBe('string');
      const events = await kubeConfig(server).makeApiClient(k8s.CoreV1Api).listEventForAllNamespaces({ fieldSelector: 'reason=FailedCreatePodSandBox' });
      expect(events.items).toHaveLength(20 * 4);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a graceful delete keeps the pod Terminating for terminationDelayMs', async () => {
    await ensureKubectl();
    const server = await startKubeApiServer({ lifecycle: { startDelayMs: 20, terminationDelayMs: 1500 } });
    const dir = await mkdtemp(path.join(tmpdir(), 'kube-api-term-'));
    try {
      const core = kubeConfig(server).makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedPod({ namespace: 'default', body: podBody('slow-exit', 'node-3') });
      await waitFor(async () => ((await core.readNamespacedPod({ namespace: 'default', name: 'slow-exit' })).status?.phase === 'Running' ? true : undefined), 5000, 'Running');
      const deleted = await core.deleteNamespacedPod({ namespace: 'default', name: 'slow-exit' });
      expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(30);
      await server.writeKubeconfig(path.join(dir, 'kubeconfig'));
      const kubectl = new Kubectl(dir, path.join(dir, 'kubeconfig'));
      const row = table((await kubectl.run(['get', 'pod', 'slow-exit'])).stdout).rows[0];
      expect(row?.slice(0, 3)).toEqual(['slow-exit', '1/1', 'Terminating']);
      const killing = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=slow-exit,reason=Killing' });
      expect(killing.items[0]?.message).toBe('Stopping container collector');
      await waitFor(async () => (await core.readNamespacedPod({ namespace: 'default', name: 'slow-exit' }).then(() => undefined, () => true)), 5000, 'pod removed');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('close() ends open sockets, websockets and the processes exec started', async () => {
    const server = await startKubeApiServer();
    const kc = kubeConfig(server);
    const flannel = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'kube-flannel', fieldSelector: 'spec.nodeName=node-1' })).items[0]?.metadata?.name ?? '';
    const stdout = new PassThrough();
    let firstLine = '';
    const gotPid = new Promise<void>((resolve) =>
      stdout.on('data', (b: Buffer) => {
        firstLine += b.toString();
        if (firstLine.includes('\n')) resolve();
      }),
    );
    const ws = (await new k8s.Exec(kc).exec('kube-flannel', flannel, 'kube-flannel', ['sh', '-c', 'echo $$; exec sleep 1000'], stdout, new PassThrough(), null, false)) as unknown as WebSocket;
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    await gotPid;
    const pid = Number(firstLine.trim());
    expect(pid).toBeGreaterThan(1);
    expect(() => process.kill(pid, 0)).not.toThrow();
    server.addFault({ path: '^/api/v1/nodes$', hang: true });
    const hung = fetchText(server, '/api/v1/nodes').catch((e: unknown) => e);
    await waitFor(() => (server.requests.some((q) => q.path === '/api/v1/nodes') ? true : undefined), 3000, 'hung request');
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await closed).toBe(1006);
    expect(await hung).toBeInstanceOf(Error);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 3000, 'exec child to die');
  });
});
