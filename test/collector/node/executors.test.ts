import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePaths } from '../../../shared/bundle/paths.js';
import { planNode } from '../../../collector/node/plan.js';
import { renderNodeScript } from '../../../collector/node/sh-renderer.js';
import { nodeRecipe } from '../../../collector/sources/node/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { byPath, collectLocally, collectWithScript, comparable } from './helpers.js';
import { makeNodeRoot } from './fixture.js';

const options = { maxBytes: 4096, tailLines: 50, commandTimeoutMs: 10_000 };
const shells = [['sh'], ['dash'], ['bash', '--posix'], ...(existsSync('/bin/busybox') ? [['busybox', 'sh']] : [])].filter(
  ([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0,
);

describe('node recipe rendered to sh', async () => {
  const dir = await tempDir();
  const root = join(dir, 'root');
  const { installMarker } = await makeNodeRoot(root);
  const plan = planNode(nodeRecipe, options);

  it('is valid POSIX sh for every available shell', async () => {
    const script = renderNodeScript(nodeRecipe, options);
    await writeFile(join(dir, 'node.sh'), script);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    for (const shell of shells) {
      const check = spawnSync(shell[0]!, [...shell.slice(1), '-n', join(dir, 'node.sh')], { encoding: 'utf8' });
      expect(check.stderr, shell.join(' ')).toBe('');
      expect(check.status, shell.join(' ')).toBe(0);
    }
    expect(shells.map((s) => s[0])).toContain('dash');
  });

  const local = collectLocally(plan, join(dir, 'local.tgz'), root);

  for (const shell of shells) {
    it(`gives the same artifacts as the local executor (${shell.join(' ')}, HOST_ROOT)`, async () => {
      const viaSh = await collectWithScript(plan, join(dir, `sh-${shell[0]}.tgz`), shell, { ...process.env, HOST_ROOT: root });
      expect(viaSh.ingest).toMatchObject({ complete: true, missingSteps: [] });
      const { manifest: localManifest, files: localFiles } = await local;
      const a = byPath(localManifest);
      const b = byPath(viaSh.manifest);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [path, entry] of a) expect(comparable(b.get(path)!), path).toEqual(comparable(entry));
      for (const [path, text] of localFiles) {
        if (a.get(path)!.source.kind !== 'command' || a.get(path)!.sourceId === 'cni-bin') expect(viaSh.files.get(path), path).toBe(text);
      }
    });
  }

  it('records the awkward files as evidence, never as a crash', async () => {
    const { manifest, files } = await local;
    const at = byPath(manifest);
    const n = (f: string) => nodePaths.netD('n1', f);
    expect(at.get(n('05-empty.conf'))).toMatchObject({ status: 'ok', bytes: 0, fileMode: '-rw-r--r--', source: { kind: 'file', path: '/etc/cni/net.d/05-empty.conf' } });
    expect(files.get(n('20-truncated.conflist'))).toBe('{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":');
    expect(at.get(n('99-dangling.conflist'))).toMatchObject({ status: 'failed', fileMode: 'lrwxrwxrwx', error: 'cannot read /etc/cni/net.d/99-dangling.conflist: No such file or directory' });
    expect(at.has(n('.hidden.conf'))).toBe(true);
    expect(at.has(n('name with space.conf'))).toBe(true);
    // The subfolder is listed, not read as a file.
    expect(at.has(n('multus.d'))).toBe(false);
    expect(files.get(nodePaths.netDListing('n1'))).toContain(' multus.d/multus.kubeconfig\n');
    expect(files.get(nodePaths.netDListing('n1'))).toContain(' 99-dangling.conflist -> 99-gone.conflist.target\n');
    expect(at.get(nodePaths.result('n1', 'cbr0-055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708-eth0'))).toMatchObject({ status: 'ok', bytes: 0, fileMode: '-rw-------' });
    expect(files.get(nodePaths.network('n1', 'cbr0', '10.244.1.3'))).toBe('055b221e\r\neth0');
    expect(at.get(nodePaths.flannelSubnetEnv('n1'))).toMatchObject({ status: 'absent', error: 'no such file: /run/flannel/subnet.env' });
    // The plugin log is cut to its whole-line tail.
    const log = at.get(nodePaths.varLog('n1', 'calico/cni/cni.log'))!;
    expect(log.status).toBe('truncated');
    expect(log.bytes).toBeLessThanOrEqual(4096);
    expect(files.get(log.path)!.endsWith('line 399\n')).toBe(true);
    expect(files.get(log.path)!.startsWith('2026-11-20 ')).toBe(true);
  });

  it('lists plugins with sha256 and their VERSION answers, never running `install`', async () => {
    const { files } = await local;
    const listing = files.get(nodePaths.binListing('n1'))!;
    expect(listing).toMatch(/^# cni-evidence listing v1: \/opt\/cni\/bin \(ls -ln --time-style=full-iso, TZ=UTC\)\n/);
    // ls -ln --time-style=full-iso lines, then TAB tokens: what the analyzer's ls parser reads.
    const iso = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{9} \\+0000';
    expect(listing).toMatch(new RegExp(`\\ndrwxr-xr-x \\d+ 0 0 \\d+ ${iso} \\.\\n`));
    expect(listing).toMatch(new RegExp(`\\n-rwxr-xr-x 1 0 0 \\d+ ${iso} flannel\\tsha256=[0-9a-f]{64}\\tversion=\\{"cniVersion":"0.4.0","supportedVersions":\\["0.3.1","0.4.0"\\]\\}\\n`));
    expect(listing).toMatch(new RegExp(`\\nlrwxrwxrwx 1 0 0 7 ${iso} flannel-link -> flannel\\tsha256=[0-9a-f]{64}\\tversion=`));
    expect(listing).toContain(' install\tsha256=');
    expect(listing).toContain('\tversionError=not executed (acts on its own name)\n');
    expect(listing).toMatch(/ slow\tsha256=[0-9a-f]{64}\tversionError=exit status 3: starting\n/);
    expect(listing).toMatch(/ README\tsha256=[0-9a-f]{64}\n/);
    const versions = files.get(nodePaths.binVersions('n1'))!;
    expect(versions).toContain('flannel\texit=0\t{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0"]}\n');
    expect(versions).toContain('flannel-link\texit=0\t');
    expect(versions).toContain('install\tskipped\tnot executed (acts on its own name)\n');
    expect(versions).toContain('slow\texit=3\tstderr: starting\n');
    expect(versions).not.toContain('README');
    if (existsSync('/usr/lib/cni/host-local')) expect(versions).toMatch(/host-local\texit=0\t\{"cniVersion":"1\.0\.0","supportedVersions":\[/);
    expect(existsSync(installMarker)).toBe(false);
  });

  it('records missing tools as absent with the reason', async () => {
    const { manifest } = await local;
    const cri = byPath(manifest).get(nodePaths.criInfo('n1'))!;
    if (cri.status === 'absent') expect(cri.error).toMatch(/^command not found: crictl, k3s, /);
    const crio = byPath(manifest).get(nodePaths.runtimeConfig('n1', 'crio-config.toml'))!;
    if (crio.status === 'absent') expect(crio).toMatchObject({ error: 'command not found: crio', source: { kind: 'command', argv: ['crio', 'config'] } });
  });
});
