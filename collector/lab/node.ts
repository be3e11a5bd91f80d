/**
 * A lab "node": a temporary root laid out like a Kubernetes node (/etc/cni/net.d, /opt/cni/bin,
 * /var/lib/cni, /run, the journal) plus a network namespace and a mount namespace in which that
 * root's folders sit at their real paths. Plugins and containerd run inside, so every error
 * message names /opt/cni/bin and /etc/cni/net.d as on a real node; the host is never touched.
 *
 * Every process the lab starts joins one cgroup (pids controller), so cleanup can find and stop
 * all of them, shims and pause processes included, whatever state a failed test left.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LabError, run, sleep, type RunOptions, type RunResult } from './proc.js';

export const HOST_CNI_PLUGINS = '/usr/lib/cni';
const CGROUP_ROOT = '/sys/fs/cgroup';
/** Where lab processes are tracked: the v1 pids hierarchy, or the unified tree on cgroup v2 machines. */
const TRACK_ROOT = existsSync(join(CGROUP_ROOT, 'pids')) ? join(CGROUP_ROOT, 'pids') : CGROUP_ROOT;

export interface LabNodeOptions {
  /** Node name as it appears in the bundle and the journal. */
  name?: string;
  /** Leave the temp folder in place after cleanup (namespaces and processes are still removed). */
  keepFiles?: boolean;
  log?: (line: string) => void;
}

/** Runs inside the new namespaces once: binds the lab root over the node paths. */
const MOUNT_SETUP = `set -e
R=$1; B=$2
mount --rbind "$R/run" /run
mount --bind "$R/var/lib" /var/lib
mount -t tmpfs -o mode=755 tmpfs /opt
mkdir -p /opt/cni
mount --bind "$R/opt/cni" /opt/cni
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$B/etc-upper,workdir=$B/etc-work" /etc
mkdir -p /etc/cni /etc/containerd
mount --bind "$R/etc/cni" /etc/cni
mount --bind "$R/etc/containerd" /etc/containerd
ip link set lo up
`;

export class LabNode {
  readonly name: string;
  readonly prefix: string;
  /** Work folder (namespaces, overlay layers, logs); not part of the node. */
  readonly base: string;
  /** The node's root as the collector sees it (`--host-root`). */
  readonly root: string;
  readonly netns: string;
  readonly mntns: string;
  readonly cgroup: string;
  private readonly log: (line: string) => void;
  private readonly keepFiles: boolean;
  private readonly cleanups: Array<{ what: string; fn: () => Promise<void> }> = [];
  private cleaned = false;

  private constructor(base: string, options: LabNodeOptions) {
    this.name = options.name ?? 'lab-node-1';
    this.prefix = `cnilab-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.base = base;
    this.root = join(base, 'root');
    this.netns = join(base, 'ns', 'net');
    this.mntns = join(base, 'ns', 'mnt');
    this.cgroup = this.prefix;
    this.log = options.log ?? (() => undefined);
    this.keepFiles = options.keepFiles ?? false;
  }

  static async create(options: LabNodeOptions = {}): Promise<LabNode> {
    const base = await mkdtemp('/tmp/cnilab-');
    const node = new LabNode(base, options);
    try {
      await node.setup();
    } catch (error) {
      await node.cleanup();
      throw error;
    }
    return node;
  }

  /** Registers an undo step; they run newest first. */
  onCleanup(what: string, fn: () => Promise<void>): void {
    this.cleanups.push({ what, fn });
  }

  private async setup(): Promise<void> {
    const r = this.root;
    for (const dir of [
      'etc/cni/net.d',
      'etc/containerd',
      'opt/cni/bin',
      'var/lib/cni/networks',
      'var/lib/cni/results',
      'var/log',
      'run/netns',
      'run/flannel',
      'tmp',
    ]) {
      await mkdir(join(r, dir), { recursive: true });
    }
    for (const dir of ['ns', 'etc-upper', 'etc-work', 'logs']) await mkdir(join(this.base, dir), { recursive: true });
    await writeFile(join(r, 'etc/hostname'), `${this.name}\n`);
    await writeFile(join(r, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
    await copyFile('/etc/os-release', join(r, 'etc/os-release')).catch(() => undefined);
    for (const plugin of await readdir(HOST_CNI_PLUGINS)) {
      await copyFile(join(HOST_CNI_PLUGINS, plugin), join(r, 'opt/cni/bin', plugin));
    }
    await run(['chmod', '0755', ...((await readdir(join(r, 'opt/cni/bin'))).map((p) => join(r, 'opt/cni/bin', p)))]);

    // Namespaces persist as bind mounts on files, which must sit on a private mount.
    const nsDir = join(this.base, 'ns');
    await run(['mount', '--bind', nsDir, nsDir]);
    this.onCleanup('ns folder mount', async () => {
      await run(['umount', '-l', nsDir], { allowFail: true });
    });
    await run(['mount', '--make-private', nsDir]);
    await writeFile(this.netns, '');
    await writeFile(this.mntns, '');
    this.onCleanup('namespaces', async () => {
      await run(['umount', '-l', this.mntns], { allowFail: true });
      await run(['umount', '-l', this.netns], { allowFail: true });
    });
    await run(['unshare', `--mount=${this.mntns}`, `--net=${this.netns}`, '--propagation', 'private', 'sh', '-c', MOUNT_SETUP, 'sh', r, this.base]);

    await mkdir(join(TRACK_ROOT, this.cgroup, 'lab'), { recursive: true });
    this.onCleanup('processes and cgroups', () => this.killAllAndRemoveCgroups());
  }

  /** argv prefix that runs a program on the lab node (its network and mount namespaces). */
  get enter(): string[] {
    return ['nsenter', `--mount=${this.mntns}`, `--net=${this.netns}`];
  }

  /** argv prefix for the collector: the node's network namespace only (files are read via the root). */
  get enterNet(): string[] {
    return ['nsenter', `--net=${this.netns}`];
  }

  exec(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return run([...this.enter, ...argv], options);
  }

  /**
   * Starts a long-running program on the node, inside the lab cgroup, with its output in a log
   * file. Returns its pid.
   */
  async spawnDaemon(argv: string[], logFile: string, cgroupLeaf = 'lab'): Promise<number> {
    const procs = join(TRACK_ROOT, this.cgroup, cgroupLeaf, 'cgroup.procs');
    await mkdir(join(TRACK_ROOT, this.cgroup, cgroupLeaf), { recursive: true });
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn('sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, ...this.enter, ...argv], {
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      child.unref();
      if (child.pid === undefined) throw new LabError(`cannot start ${argv[0]}`);
      return child.pid;
    } finally {
      closeSync(fd);
    }
  }

  /** Every pid in the lab's cgroup tree (pids controller). */
  async labPids(): Promise<number[]> {
    const pids: number[] = [];
    const walk = async (dir: string) => {
      const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim() !== '') pids.push(Number(line));
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
      }
    };
    await walk(join(TRACK_ROOT, this.cgroup));
    return pids;
  }

  /** SIGKILLs every process the lab started (the "node crash" of some scenarios, and cleanup). */
  async killAll(): Promise<void> {
    for (let round = 0; round < 50; round += 1) {
      const pids = await this.labPids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(100);
    }
    throw new LabError(`lab processes survive SIGKILL: ${(await this.labPids()).join(' ')}`);
  }

  private async killAllAndRemoveCgroups(): Promise<void> {
    await this.killAll();
    const controllers = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
    const tops = [join(CGROUP_ROOT, this.cgroup), ...controllers.map((c) => join(CGROUP_ROOT, c, this.cgroup))];
    for (const top of tops) {
      const removeTree = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (entry.isDirectory()) await removeTree(join(dir, entry.name));
        }
        // A cgroup whose last task just died can be busy for a moment.
        for (let attempt = 0; attempt < 20; attempt += 1) {
          try {
            await rmdir(dir);
            return;
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') return;
            if (code !== 'EBUSY' || attempt === 19) throw error;
            await sleep(100);
          }
        }
      };
      await removeTree(top);
    }
  }

  /** Undoes everything, newest first; keeps going past failures and reports them at the end. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    const problems: string[] = [];
    while (this.cleanups.length > 0) {
      const step = this.cleanups.pop()!;
      try {
        await step.fn();
      } catch (error) {
        problems.push(`${step.what}: ${(error as Error).message}`);
      }
    }
    if (!this.keepFiles) await rm(this.base, { recursive: true, force: true }).catch((e: Error) => problems.push(`rm ${this.base}: ${e.message}`));
    if (problems.length > 0) {
      this.log(`cleanup problems: ${problems.join('; ')}`);
      throw new LabError(`lab cleanup incomplete: ${problems.join('; ')}`);
    }
  }
}
