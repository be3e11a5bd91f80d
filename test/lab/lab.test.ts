/**
 * Real software: every lab scenario drives Debian's containerd, runc and CNI plugins into a real
 * failure, the node collector captures the node, and the bundle must hold the real evidence.
 * Root only; skipped with the reason otherwise.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactEntry, Manifest } from '../../shared/bundle/manifest-schema.js';
import { nodePaths } from '../../shared/bundle/paths.js';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { ensureLabPackages } from '../../collector/lab/packages.js';
import { labUnavailableReason, listLabScenarios, runLab, type LabRunResult } from '../../collector/lab/run-lab.js';
import { tempDir } from '../helpers/tmp.js';

const unavailable = await labUnavailableReason();
const N = 'lab-node-1';

interface Captured {
  run: LabRunResult;
  manifest: Manifest;
  files: Map<string, string>;
  entry(path: string): ArtifactEntry;
  text(path: string): string;
}

async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  found.push(...mounts.split('\n').filter((l) => l.includes('cnilab-')).map((l) => `mount ${l}`));
  for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const name of await readdir(join('/sys/fs/cgroup', controller)).catch(() => [] as string[])) {
      if (name.startsWith('cnilab-')) found.push(`cgroup ${controller}/${name}`);
    }
  }
  found.push(...(await readdir('/tmp')).filter((n) => n.startsWith('cnilab-')).map((n) => `dir /tmp/${n}`));
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('cnilab-')) found.push(`process ${pid} ${cmdline.replace(/\0/g, ' ')}`);
  }
  return found;
}

describe.skipIf(unavailable !== null)(`lab scenarios on real containerd + CNI plugins${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
  const dir = await tempDir('cni-evidence-lab-');
  const results = new Map<string, Captured>();
  const before = unavailable === null ? await leftovers() : [];

  beforeAll(async () => {
    await ensureLabPackages((line) => console.log(`[lab] ${line}`));
  });

  async function scenario(name: string): Promise<Captured> {
    const cached = results.get(name);
    if (cached) return cached;
    const run = await runLab(name, join(dir, `${name}.tgz`), { installPackages: false });
    const { result, files } = await readBundleTexts(run.path);
    expect(result.integrity.ok).toBe(true);
    const byPath = new Map(result.manifest.artifacts.map((a) => [a.path, a]));
    const captured: Captured = {
      run,
      manifest: result.manifest,
      files,
      entry: (path) => {
        const entry = byPath.get(path);
        if (!entry) throw new Error(`${name}: no artifact ${path}`);
        return entry;
      },
      text: (path) => {
        const text = files.get(path);
        if (text === undefined) throw new Error(`${name}: no content for ${path} (${byPath.get(path)?.status ?? 'not in manifest'})`);
        return text;
      },
    };
    results.set(name, captured);
    return captured;
  }

  const containerd = (c: Captured) => c.text(nodePaths.journal(N, 'containerd'));
  const kubelet = (c: Captured) => c.text(nodePaths.journal(N, 'kubelet'));

  it('lists every scenario the issue asks for', () => {
    expect(listLabScenarios().map((s) => s.name)).toEqual(
      expect.arrayContaining(['ipam-exhausted', 'missing-plugin', 'invalid-conflist', 'unsupported-cniversion', 'cni0-conflict', 'leaked-reservations', 'empty-results-cache', 'iptables-legacy-and-nft']),
    );
  });

  it('ipam-exhausted: the reservation file names the sandbox that holds the only address', async () => {
    const c = await scenario('ipam-exhausted');
    expect(c.manifest.mode).toBe('lab');
    expect(c.manifest.request.nodes).toEqual([N]);
    const web0 = /RunPodSandbox web-0: ready, sandbox ([0-9a-f]{64})/.exec(c.run.observed.join('\n'))![1]!;
    expect(c.text(nodePaths.network(N, 'containerd-net', '10.245.0.10'))).toBe(`${web0}\r\neth0`); // host-local 1.1.x separates id and ifname with CRLF
    expect(c.text(nodePaths.network(N, 'containerd-net', 'last_reserved_ip.0'))).toBe('10.245.0.10');
    const journal = containerd(c);
    expect(journal).toMatch(/containerd\[\d+\]: .*level=error msg="RunPodSandbox for &PodSandboxMetadata\{Name:web-1,.*failed to setup network for sandbox .*failed to allocate for range 0: no IP addresses available in range set: 10.245.0.10-10.245.0.10/);
    expect(kubelet(c)).toMatch(/kubelet\[\d+\]: E\d{4} [\d:.]+ +\d+ remote_runtime.go:\d+\] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \\"[0-9a-f]{64}\\": plugin type=\\"bridge\\" failed \(add\): failed to allocate for range 0: no IP addresses available in range set: 10.245.0.10-10.245.0.10"/);
    const cache = JSON.parse(c.text(nodePaths.result(N, `containerd-net-${web0}-eth0`))) as { kind: string; result: { ips: Array<{ address: string }> } };
    expect(cache.kind).toBe('cniCacheV1');
    expect(cache.result.ips[0]!.address).toBe('10.245.0.10/24');
    expect(c.text(nodePaths.ipAddr(N))).toMatch(/cni0: .*\n(.*\n)*\s+inet 10\.245\.0\.1\/24 /);
    expect(c.text(nodePaths.iptablesSave(N))).toContain(`-m comment --comment "name: \\"containerd-net\\" id: \\"${web0}\\"" -j MASQUERADE`);
    expect(c.text(nodePaths.runtimeConfig(N, 'containerd-config-dump.toml'))).toMatch(/bin_dir = "\/opt\/cni\/bin"[\s\S]*conf_dir = "\/etc\/cni\/net.d"/);
    expect(c.entry(nodePaths.criInfo(N))).toMatchObject({ status: 'absent' });
  });

  it('missing-plugin: flannel conflist, no flannel binary, ADD and DEL both fail', async () => {
    const c = await scenario('missing-plugin');
    expect(c.text(nodePaths.binListing(N))).not.toMatch(/ flannel[\t\n]/);
    expect(c.text(nodePaths.binListing(N))).toMatch(/ bridge\tsha256=[0-9a-f]{64}\tversion=\{"cniVersion":"1.0.0","supportedVersions":\[/);
    expect(JSON.parse(c.text(nodePaths.netD(N, '10-flannel.conflist'))).plugins[0].type).toBe('flannel');
    const journal = containerd(c);
    expect(journal).toContain('plugin type=\\"flannel\\" failed (add): failed to find plugin \\"flannel\\" in path [/opt/cni/bin]');
    expect(journal).toMatch(/StopPodSandbox for \\"[0-9a-f]{64}\\" failed" error="failed to destroy network for sandbox \\"[0-9a-f]{64}\\": plugin type=\\"flannel\\" failed \(delete\): failed to find plugin \\"flannel\\" in path \[\/opt\/cni\/bin\]"/);
    expect(kubelet(c)).toContain('"StopPodSandbox from runtime service failed"');
    expect(c.text(nodePaths.flannelSubnetEnv(N))).toContain('FLANNEL_SUBNET=10.244.1.1/24');
  });

  it('invalid-conflist: the truncated file verbatim, and the runtime never initializes CNI', async () => {
    const c = await scenario('invalid-conflist');
    const conf = c.text(nodePaths.netD(N, '10-flannel.conflist'));
    expect(conf.length).toBe(120);
    expect(() => JSON.parse(conf)).toThrow();
    expect(containerd(c)).toContain('failed to load CNI config list file /etc/cni/net.d/10-flannel.conflist: error parsing configuration list: unexpected end of JSON input: invalid cni config: failed to load cni config');
    expect(containerd(c)).toMatch(/failed to setup network for sandbox \\"[0-9a-f]{64}\\": cni plugin not initialized/);
  });

  it('no-cni-config: an empty net.d and "no network config found"', async () => {
    const c = await scenario('no-cni-config');
    expect(c.text(nodePaths.netDListing(N)).trim().split('\n')).toHaveLength(2);
    expect(containerd(c)).toContain('no network config found in /etc/cni/net.d: cni plugin not initialized');
  });

  it('unsupported-cniversion: the plugin refuses 1.1.0 and says what it supports', async () => {
    const c = await scenario('unsupported-cniversion');
    expect(containerd(c)).toContain('plugin type=\\"bridge\\" failed (add): incompatible CNI versions; config is \\"1.1.0\\", plugin supports [\\"0.1.0\\" \\"0.2.0\\" \\"0.3.0\\" \\"0.3.1\\" \\"0.4.0\\" \\"1.0.0\\"]');
    expect(c.text(nodePaths.binVersions(N))).toContain('bridge\texit=0\t{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}\n');
    expect(JSON.parse(c.text(nodePaths.netD(N, '10-containerd-net.conflist'))).cniVersion).toBe('1.1.0');
  });

  it('cni0-conflict: cni0 keeps 10.244.1.1/24 while flannel now says 10.244.7.1/24', async () => {
    const c = await scenario('cni0-conflict');
    expect(containerd(c)).toContain('failed to set bridge addr: \\"cni0\\" already has an IP address different from 10.244.7.1/24');
    expect(c.text(nodePaths.ipAddr(N))).toMatch(/cni0: [\s\S]*?inet 10\.244\.1\.1\/24 /);
    expect(c.text(nodePaths.flannelSubnetEnv(N))).toContain('FLANNEL_SUBNET=10.244.7.1/24');
    expect(c.text(nodePaths.netD(N, '10-cbr0.conflist'))).toContain('10.244.7.0/24');
  });

  it('leaked-reservations: both addresses reserved by dead sandboxes, no netns left', async () => {
    const c = await scenario('leaked-reservations');
    const ids = [...c.run.observed.join('\n').matchAll(/RunPodSandbox web-[01]: ready, sandbox ([0-9a-f]{64})/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    const held = ['10.245.0.10', '10.245.0.11'].map((ip) => c.text(nodePaths.network(N, 'containerd-net', ip)).split('\r\n')[0]);
    expect(held.sort()).toEqual([...ids].sort());
    const netns = c.text(nodePaths.netnsListing(N)).trim().split('\n');
    expect(netns.filter((l) => !l.startsWith('#') && !l.endsWith(' .'))).toEqual([]);
    expect(containerd(c)).toContain('failed to allocate for range 0: no IP addresses available in range set: 10.245.0.10-10.245.0.11');
    // The runtime still lists the crashed sandboxes' cache files.
    for (const id of ids) expect(c.entry(nodePaths.result(N, `containerd-net-${id}-eth0`)).status).toBe('ok');
  });

  it('empty-results-cache: a 0-byte cache file and the StopPodSandbox error it causes', async () => {
    const c = await scenario('empty-results-cache');
    const id = /RunPodSandbox web-0: ready, sandbox ([0-9a-f]{64})/.exec(c.run.observed.join('\n'))![1]!;
    expect(c.entry(nodePaths.result(N, `containerd-net-${id}-eth0`))).toMatchObject({ status: 'ok', bytes: 0, fileMode: '-rw-------', source: { kind: 'file', path: `/var/lib/cni/results/containerd-net-${id}-eth0` } });
    expect(containerd(c)).toContain(`failed to destroy network for sandbox \\"${id}\\": failed to get network \\"containerd-net\\" cached result: decoding version from network config: unexpected end of JSON input`);
    expect(kubelet(c)).toContain(`"StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"${id}\\": failed to get network \\"containerd-net\\" cached result: decoding version from network config: unexpected end of JSON input" podSandboxID="${id}"`);
  });

  it('iptables-legacy-and-nft: the nft view warns on stderr, the legacy view has the KUBE chains', async () => {
    const c = await scenario('iptables-legacy-and-nft');
    const nft = c.entry(nodePaths.iptablesSave(N));
    expect(nft).toMatchObject({ status: 'ok', exitCode: 0, source: { kind: 'command', argv: ['iptables-nft-save'] } });
    expect(nft.stderrExcerpt).toContain('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them');
    const legacy = c.text(nodePaths.iptablesLegacySave(N));
    expect(legacy).toContain(':KUBE-SERVICES - [0:0]');
    expect(legacy).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(c.text(nodePaths.iptablesSave(N))).toMatch(/:CNI-[0-9a-f]+ - \[0:0\]/);
    expect(c.text(nodePaths.nftRuleset(N))).toContain('table ip nat');
  });

  afterAll(async () => {
    if (unavailable !== null) return;
    expect(await leftovers()).toEqual(before);
  });
});
