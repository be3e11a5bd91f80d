import { mkdir, symlink, writeFile, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { runCli } from '../helpers/cli.js';
import { rawTgz } from '../helpers/raw-tar.js';
import { tempDir } from '../helpers/tmp.js';

describe('cni-evidence pack and inspect, run through the built bin', async () => {
  const dir = await tempDir();
  const hand = join(dir, 'ticket-4711');
  const conflist = '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"},{"type":"portmap"}]}\n';
  await mkdir(join(hand, 'nodes/worker-2/cni/net.d'), { recursive: true });
  await mkdir(join(hand, 'nodes/worker-2/journal'), { recursive: true });
  await mkdir(join(hand, 'cluster/describe/default'), { recursive: true });
  await writeFile(join(hand, 'nodes/worker-2/cni/net.d/10-flannel.conflist'), conflist);
  await writeFile(join(hand, 'nodes/worker-2/cni/results-empty-marker'), '');
  await writeFile(join(hand, 'nodes/worker-2/journal/kubelet.log'), 'Nov 22 09:33:21 worker-2 kubelet[901]: E1122 09:33:21.771203 901 remote_runtime.go:176] "RunPodSandbox from runtime service failed"\n');
  await writeFile(join(hand, 'cluster/describe/default/web-0.txt'), 'Name:         web-0\nNamespace:    default\n');
  await symlink('/etc/shadow', join(hand, 'nodes/worker-2/shadow'));

  it('packs a hand-collected folder into a valid bundle and says what it left out', async () => {
    const out = join(dir, 'ticket.tgz');
    const run = await runCli(['pack', hand, '-o', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*ticket\.tgz: 4 files, /);
    expect(run.stdout).toContain('left out (links or devices, never followed): nodes/worker-2/shadow');
    expect(run.stdout).toContain('  nodes/worker-2/cni/results-empty-marker');
    const { result, files } = await readBundleTexts(out);
    expect(result.integrity.ok).toBe(true);
    expect(result.manifest.mode).toBe('pack');
    expect(result.manifest.request.nodes).toEqual(['worker-2']);
    expect(files.get('nodes/worker-2/cni/net.d/10-flannel.conflist')).toBe(conflist);
    expect(result.manifest.artifacts.find((a) => a.path === 'nodes/worker-2/shadow')).toMatchObject({ status: 'skipped', sha256: null });
    expect(result.manifest.artifacts.find((a) => a.path === 'cluster/describe/default/web-0.txt')).toMatchObject({ node: null, source: { kind: 'hand' } });
  });

  it('inspect shows scopes, gaps and integrity, and exits 0 for a sound bundle', async () => {
    const run = await runCli(['inspect', join(dir, 'ticket.tgz')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/integrity\s+ok \(4 files, sha256 checked\)/);
    expect(run.stdout).toMatch(/^worker-2\s+3\s+0\s+0\s+0\s+0\s+0\s+1\s/m);
    expect(run.stdout).toMatch(/skipped\s+nodes\/worker-2\/shadow\s+not a regular file/);
    const json = await runCli(['inspect', '--json', join(dir, 'ticket.tgz')]);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'tgz', integrity: { ok: true, filesChecked: 4 } });
  });

  it('inspect exits 1 when a file was changed after collection, naming it', async () => {
    const unpacked = join(dir, 'unpacked');
    await mkdir(unpacked);
    const { extract } = await import('tar');
    await extract({ file: join(dir, 'ticket.tgz'), cwd: unpacked });
    const [top] = await (await import('node:fs/promises')).readdir(unpacked);
    await writeFile(join(unpacked, top!, 'nodes/worker-2/cni/net.d/10-flannel.conflist'), '{}');
    const run = await runCli(['inspect', unpacked]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('checksum-mismatch  nodes/worker-2/cni/net.d/10-flannel.conflist: sha256 differs from the manifest');
    // Repacking the unpacked bundle keeps the manifest facts and makes it sound again.
    const repacked = join(dir, 'repacked.tgz');
    expect((await runCli(['pack', unpacked, '-o', repacked])).code).toBe(0);
    expect((await runCli(['inspect', repacked])).code).toBe(0);
  });

  it.each([
    [['inspect', '/no/such/bundle.tgz'], 'error: cannot open /no/such/bundle.tgz: no such file or directory', /hint: Check the path/],
    [['pack', '/no/such/dir', '-o', '/tmp/x.tgz'], 'error: /no/such/dir is not a folder', /hint: Give pack the folder/],
    [['inspect', 'HOSTILE'], 'E_UNSAFE_PATH', /hint: The bundle may be hostile/],
  ])('a bad input gets message and hint, exit 2, no stack trace: %j', async (args, expected, hint) => {
    if (args[1] === 'HOSTILE') {
      const hostile = join(dir, 'hostile.tgz');
      await writeFile(hostile, rawTgz([{ path: 'b/../../x', content: 'x' }, { path: 'b/manifest.json', content: '{}' }]));
      args = ['inspect', hostile];
      expected = 'error: unsafe path "b/../../x"';
    }
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(expected);
    expect(run.stderr).toMatch(hint);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to overwrite, answers --version and --help, and exits 2 on an unknown command', async () => {
    const again = await runCli(['pack', hand, '-o', join(dir, 'ticket.tgz')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await runCli(['--version'])).stdout.trim()).toBe(pkg.version);
    for (const command of ['pack', 'inspect']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: cni-evidence ${command}`);
    }
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('a pack of an unreadable file records it as failed instead of stopping', async () => {
    if (process.getuid?.() === 0) {
      // root reads everything; a FIFO stands in for the unreadable special file.
      const { execFileSync } = await import('node:child_process');
      execFileSync('mkfifo', [join(hand, 'nodes/worker-2/cni/net.d/pipe')]);
    } else {
      await writeFile(join(hand, 'nodes/worker-2/cni/net.d/99-secret.conf'), '{}');
      await chmod(join(hand, 'nodes/worker-2/cni/net.d/99-secret.conf'), 0);
    }
    const out = join(dir, 'unreadable.tgz');
    const run = await runCli(['pack', hand, '-o', out]);
    expect(run.code).toBe(0);
    const { result } = await readBundleTexts(out);
    const odd = result.manifest.artifacts.find((a) => a.path.includes('/pipe') || a.path.includes('99-secret'));
    expect(odd?.status).toMatch(/skipped|failed/);
  });
});
