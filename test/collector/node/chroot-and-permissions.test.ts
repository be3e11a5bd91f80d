/**
 * The script as it runs in production (`chroot /host sh -s`, with nothing but busybox inside),
 * and unreadable files, which only a non-root reader meets.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePaths } from '../../../shared/bundle/paths.js';
import { planNode } from '../../../collector/node/plan.js';
import { nodeRecipe } from '../../../collector/sources/node/index.js';
import { defineSource, BASENAME, NODE } from '../../../collector/sources/define.js';
import { tempDir } from '../../helpers/tmp.js';
import { byPath, collectLocally, collectWithScript, comparable } from './helpers.js';
import { makeNodeRoot } from './fixture.js';

const isRoot = process.getuid?.() === 0;

function ensureBusybox(): string | null {
  if (spawnSync('sh', ['-c', 'command -v busybox']).status === 0) return null;
  if (!isRoot) return 'busybox is not installed and installing it needs root';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { env });
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'busybox'], { env, encoding: 'utf8' });
  return install.status === 0 ? null : `cannot install busybox: ${install.stderr.slice(-300)}`;
}

const busyboxProblem = isRoot ? ensureBusybox() : 'chroot needs root';

describe.skipIf(busyboxProblem !== null)(`rendered script under chroot with only busybox${busyboxProblem ? ` (skipped: ${busyboxProblem})` : ''}`, async () => {
  const dir = await tempDir();
  const root = join(dir, 'root');
  await makeNodeRoot(root);
  // A root with busybox as every tool, as on a minimal node: nothing from the host's /usr.
  const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile(busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const libs = spawnSync('ldd', [busybox], { encoding: 'utf8' }).stdout.match(/\/\S+\.so[.\d]*/g) ?? [];
  for (const lib of libs) {
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(lib, join(root, lib));
  }
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a !== '' && a !== 'busybox');
  for (const applet of applets) spawnSync('ln', ['-s', 'busybox', join(root, 'bin', applet)]);
  await mkdir(join(root, 'tmp'), { recursive: true, mode: 0o1777 });
  await mkdir(join(root, 'dev'), { recursive: true });
  spawnSync('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);

  const plan = planNode(nodeRecipe, { maxBytes: 4096, tailLines: 50, commandTimeoutMs: 10_000 });
  const chrootBin = spawnSync('sh', ['-c', 'PATH=/usr/sbin:/sbin:$PATH command -v chroot'], { encoding: 'utf8' }).stdout.trim();

  it('collects the same files and listings as the local executor reading that root', async () => {
    const inChroot = await collectWithScript(plan, join(dir, 'chroot.tgz'), [chrootBin, root, '/bin/sh', '-s'], { PATH: '/usr/bin:/bin' });
    expect(inChroot.ingest).toMatchObject({ complete: true, missingSteps: [] });
    const local = await collectLocally(plan, join(dir, 'local.tgz'), root);
    const a = byPath(local.manifest);
    const b = byPath(inChroot.manifest);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, entry] of a) {
      if (entry.source.kind === 'command') continue; // the chroot has busybox tools, the test host GNU ones
      expect(comparable(b.get(path)!), path).toEqual(comparable(entry));
      expect(inChroot.files.get(path), path).toBe(local.files.get(path));
    }
    // The same plugins answered VERSION from inside the chroot.
    expect(inChroot.files.get(nodePaths.binVersions('n1'))).toBe(local.files.get(nodePaths.binVersions('n1')));
    // No host root is involved: node paths are recorded as they are on the node.
    expect(b.get(nodePaths.netD('n1', '10-flannel.conflist'))!.source).toEqual({ kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' });
  });
});

describe.skipIf(!isRoot)(`unreadable files (read as uid 65534)${isRoot ? '' : ' (skipped: needs root to switch user)'}`, async () => {
  const dir = await tempDir();
  const root = join(dir, 'root');
  const recipe = [
    defineSource({
      id: 'perm-files',
      scope: 'node',
      output: 'test',
      run: [
        { kind: 'listing', dir: '/etc/cni/net.d', to: nodePaths.netDListing(NODE) },
        { kind: 'files', globs: ['/etc/cni/net.d/*'], to: nodePaths.netD(NODE, BASENAME) },
        { kind: 'listing', dir: '/var/lib/cni/results', to: nodePaths.resultsListing(NODE) },
      ],
    }),
  ];
  const plan = planNode(recipe, {});

  beforeAll(async () => {
    await mkdir(join(root, 'etc/cni/net.d'), { recursive: true });
    await mkdir(join(root, 'var/lib/cni/results'), { recursive: true });
    spawnSync('sh', ['-c', `printf '{}' > '${root}/etc/cni/net.d/10-ok.conf'; printf '{"secret":1}' > '${root}/etc/cni/net.d/20-locked.conf'`]);
    await chmod(join(root, 'etc/cni/net.d/20-locked.conf'), 0o000);
    await chmod(join(root, 'var/lib/cni/results'), 0o700);
    await chmod(dir, 0o755);
    await chmod(join(dir), 0o777);
  });
  afterAll(() => {
    if (process.geteuid?.() !== 0) process.seteuid?.(0);
  });

  it('records mode, size and the read error for both executors, and lists what it can', async () => {
    const viaSh = await collectWithScript(plan, join(dir, 'sh.tgz'), ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-s'], { ...process.env, HOST_ROOT: root });
    // The local executor runs in this process; drop to the same user only around the reads.
    const writerDir = join(dir, 'out');
    await mkdir(writerDir, { mode: 0o777 });
    await chmod(writerDir, 0o777);
    process.setegid!(65534);
    process.seteuid!(65534);
    let local;
    try {
      local = await collectLocally(plan, join(writerDir, 'local.tgz'), root);
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
    }
    for (const collected of [local, viaSh]) {
      const at = byPath(collected.manifest);
      expect(at.get(nodePaths.netD('n1', '20-locked.conf'))).toMatchObject({
        status: 'failed',
        fileMode: '----------',
        error: 'cannot read /etc/cni/net.d/20-locked.conf: Permission denied',
        bytes: 0,
        sha256: null,
      });
      expect(collected.files.get(nodePaths.netD('n1', '10-ok.conf'))).toBe('{}');
      expect(at.get(nodePaths.resultsListing('n1'))).toMatchObject({ status: 'failed', error: 'cannot list /var/lib/cni/results: Permission denied', fileMode: 'drwx------' });
    }
    const a = byPath(local.manifest);
    for (const [path, entry] of byPath(viaSh.manifest)) expect(comparable(entry), path).toEqual(comparable(a.get(path)!));
  });
});
