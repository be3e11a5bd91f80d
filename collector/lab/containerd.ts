/**
 * Real containerd (Debian) with its CRI plugin and runc, on a lab node. Its configuration is the
 * stock default with the two changes this kind of machine needs; the sandbox image is a pause
 * binary compiled here and imported under the default sandbox_image name, so nothing is pulled.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { CriClient, CriError, type RuntimeCondition } from './cri.js';
import type { KubeletLog } from './klog.js';
import type { LabNode } from './node.js';
import { LabError, run, sleep } from './proc.js';

export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.6';

/** Our own minimal pause: PID 1 of the sandbox, reaps children, exits on SIGINT/SIGTERM. */
const PAUSE_C = `#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void on_stop(int sig) { (void)sig; _exit(0); }
static void on_child(int sig) { (void)sig; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction stop = {0}, child = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGINT, &stop, 0);
  sigaction(SIGTERM, &stop, 0);
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &child, 0);
  for (;;) pause();
}
`;

function digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Builds an OCI image layout tar holding one layer with /pause. */
export async function buildPauseImage(workDir: string, reference = SANDBOX_IMAGE): Promise<string> {
  const dir = join(workDir, 'pause-image');
  const layerDir = join(dir, 'layer');
  const layoutDir = join(dir, 'layout');
  await mkdir(layerDir, { recursive: true });
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'pause.c'), PAUSE_C);
  await run(['gcc', '-Os', '-static', '-o', join(layerDir, 'pause'), join(dir, 'pause.c')], { timeoutMs: 120_000 });
  const layerTar = join(dir, 'layer.tar');
  await createTar({ cwd: layerDir, file: layerTar, portable: true, mtime: new Date(0) }, ['pause']);
  const layerRaw = await readFile(layerTar);
  const layerGz = gzipSync(layerRaw);
  const config = Buffer.from(
    JSON.stringify({
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/pause'], User: '65535:65535' },
      rootfs: { type: 'layers', diff_ids: [digest(layerRaw)] },
      history: [{ created_by: 'cni-evidence lab: static pause' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(layerGz), size: layerGz.length }],
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digest(manifest),
        size: manifest.length,
        annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': reference.split(':').pop() },
      },
    ],
  };
  for (const blob of [config, manifest, layerGz]) await writeFile(join(layoutDir, 'blobs', 'sha256', digest(blob).slice(7)), blob);
  await writeFile(join(layoutDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));
  const out = join(dir, 'pause.tar');
  await createTar({ cwd: layoutDir, file: out, portable: true }, ['oci-layout', 'index.json', 'blobs']);
  return out;
}

/** `containerd config default` with the changes this machine needs, and nothing else. */
export async function labContainerdConfig(): Promise<string> {
  const { stdout } = await run(['containerd', 'config', 'default']);
  const edits: Array<[string, string]> = [
    // No AppArmor on the lab machine.
    ['disable_apparmor = false', 'disable_apparmor = true'],
    // CRI asks runc for oom_score_adj -998, which needs CAP_SYS_RESOURCE (absent on this kind of VM).
    ['restrict_oom_score_adj = false', 'restrict_oom_score_adj = true'],
  ];
  let text = stdout;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new LabError(`containerd default config has no "${from}"; the lab needs updating for this containerd`);
    text = text.replace(from, to);
  }
  return text;
}

export interface LabPod {
  name: string;
  uid: string;
  namespace: string;
  id: string | null;
}

export class LabContainerd {
  readonly cri: CriClient;
  readonly logFile: string;
  readonly socket: string;
  readonly pid: number;

  private constructor(
    private readonly node: LabNode,
    private readonly kubelet: KubeletLog,
    pid: number,
    logFile: string,
  ) {
    this.pid = pid;
    this.logFile = logFile;
    this.socket = join(node.root, 'run/containerd/containerd.sock');
    this.cri = new CriClient(this.socket);
  }

  static async start(node: LabNode, kubelet: KubeletLog, options: { writeConfig?: boolean; logName?: string } = {}): Promise<LabContainerd> {
    if (options.writeConfig !== false) await writeFile(join(node.root, 'etc/containerd/config.toml'), await labContainerdConfig());
    const logFile = join(node.base, 'logs', options.logName ?? 'containerd.log');
    const pid = await node.spawnDaemon(['containerd'], logFile, 'runtime');
    const runtime = new LabContainerd(node, kubelet, pid, logFile);
    node.onCleanup('containerd client', async () => runtime.cri.close());
    await runtime.waitReady();
    const images = await run(['ctr', '--address', runtime.socket, '-n', 'k8s.io', 'images', 'ls', '-q'], { allowFail: true });
    if (!images.stdout.includes(SANDBOX_IMAGE)) {
      const tar = await buildPauseImage(node.base);
      await run(['ctr', '--address', runtime.socket, '-n', 'k8s.io', 'images', 'import', tar], { timeoutMs: 120_000 });
    }
    return runtime;
  }

  private async waitReady(): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      if (await stat(this.socket).then(() => true, () => false)) {
        try {
          await this.cri.version();
          return;
        } catch {
          // the CRI service registers a moment after the socket appears
        }
      }
      await sleep(100);
    }
    const log = await readFile(this.logFile, 'utf8').catch(() => '');
    throw new LabError(`containerd did not come up; last log lines:\n${log.split('\n').slice(-15).join('\n')}`);
  }

  async networkCondition(): Promise<RuntimeCondition | undefined> {
    return (await this.cri.status()).find((c) => c.type === 'NetworkReady');
  }

  /** Writes a CNI config the way a CNI installer does (create + write, which containerd 1.6 notices; a rename is not). */
  async writeCniConfig(file: string, text: string): Promise<void> {
    await writeFile(join(this.node.root, 'etc/cni/net.d', file), text, { mode: 0o644 });
  }

  /** Waits until NetworkReady is as expected. */
  async waitNetworkReady(ready: boolean, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const condition = await this.networkCondition();
      if ((condition?.status ?? false) === ready) return;
      await sleep(100);
    }
    throw new LabError(`containerd NetworkReady did not become ${ready}`);
  }

  /** Waits until the runtime's loaded CNI config (verbose Status) contains `marker`. */
  async waitConfigLoaded(marker: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await this.cri.statusInfo()).get('cniconfig')?.includes(marker)) return;
      await sleep(100);
    }
    throw new LabError(`containerd never loaded a CNI config containing ${marker}`);
  }

  /** Waits until containerd's log shows `text` (used to see a config reload happen). */
  async waitForLog(text: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await readFile(this.logFile, 'utf8').catch(() => '')).includes(text)) return;
      await sleep(100);
    }
    throw new LabError(`containerd log never showed ${JSON.stringify(text)}`);
  }

  pod(name: string, namespace = 'default'): LabPod {
    const uid = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    return { name, uid, namespace, id: null };
  }

  /** RunPodSandbox as kubelet calls it; a failure is logged by "kubelet" and returned, not thrown. */
  async runPod(pod: LabPod): Promise<CriError | null> {
    try {
      pod.id = await this.cri.runPodSandbox({
        name: pod.name,
        uid: pod.uid,
        namespace: pod.namespace,
        logDirectory: join(this.node.base, 'logs', 'pods', `${pod.namespace}_${pod.name}_${pod.uid}`),
        cgroupParent: `/${this.node.cgroup}/pods`,
      });
      this.kubelet.sandboxStarted(pod);
      return null;
    } catch (error) {
      if (!(error instanceof CriError)) throw error;
      this.kubelet.runPodSandboxFailed(pod, error);
      return error;
    }
  }

  async stopPod(pod: LabPod, id = pod.id): Promise<CriError | null> {
    if (id === null) throw new LabError(`pod ${pod.name} has no sandbox`);
    try {
      await this.cri.stopPodSandbox(id);
      return null;
    } catch (error) {
      if (!(error instanceof CriError)) throw error;
      this.kubelet.stopPodSandboxFailed(pod, id, error);
      return error;
    }
  }

  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8');
  }
}
