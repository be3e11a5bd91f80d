/**
 * A test cluster for the cluster collector: the in-process API server, a kubeconfig for it, and
 * one prepared root folder per node. Exec into a node pod runs the collector's real command
 * (the wrapper, then the rendered node script) as a local process with CE_HOST pointing at that
 * node's root, so the tar that comes back is the real thing.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll } from 'vitest';
import type { ArtifactEntry, Manifest } from '../../../shared/bundle/manifest-schema.js';
import { readBundleTexts } from '../../../shared/bundle/reader.js';
import { localProcessExecHandler, type ExecHandler } from '../../kube-api/exec.js';
import { startKubeApiServer, type KubeApiServer, type StartOptions, type UserConfig } from '../../kube-api/server.js';
import type { Pod } from '../../kube-api/types.js';
import { tempDir } from '../../helpers/tmp.js';

export interface TestCluster {
  server: KubeApiServer;
  dir: string;
  kubeconfig: string;
  roots: string;
  /** Pods the collector created (by the label it puts on them) that still exist. */
  nodePods(): Pod[];
  /** Per node: kill the node script after this many stdout bytes (an OOM kill mid-stream). */
  killAfter: Map<string, number>;
  /** Node pods the server created (201s to POST .../pods) and the names the collector then deleted. */
  podWrites(): { created: number; named: string[]; deleted: string[] };
}

const killers = new Set<() => void>();

/** Writes a node root like the ones in the seeds: flannel config, a 0-byte results cache on node-2. */
export async function makeNodeRoot(root: string, node: string, podCIDR: string): Promise<void> {
  const w = async (path: string, content: string, mode = 0o644): Promise<void> => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  };
  const gateway = podCIDR.replace(/\.0\/24$/, '.1');
  await w('etc/hostname', `${node}\n`);
  await w('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  await w('etc/cni/net.d/10-flannel.conflist', '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},\n    {"type": "portmap", "capabilities": {"portMappings": true}}\n  ]\n}\n');
  await w('run/flannel/subnet.env', `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${gateway}/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`);
  await w('var/lib/cni/networks/cbr0/last_reserved_ip.0', podCIDR.replace(/\.0\/24$/, '.5'));
  await w(`var/lib/cni/networks/cbr0/${podCIDR.replace(/\.0\/24$/, '.5')}`, '01d576d2\r\neth0');
  await w('var/lib/cni/results/cbr0-01d576d2-eth0', '{"kind":"cniCacheV1","containerId":"01d576d2","ifName":"eth0","networkName":"cbr0"}', 0o600);
  if (node === 'node-2') {
    // The StopPodSandbox seed: an empty cached result breaks the network teardown.
    await w('var/lib/cni/results/cbr0-055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708-eth0', '', 0o600);
  }
  await w('opt/cni/bin/flannel', '#!/bin/sh\nprintf \'{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0"]}\\n\'\n', 0o755);
  await symlink('/nonexistent-binary', join(root, 'opt/cni/bin/dangling')).catch(() => undefined);
  await mkdir(join(root, 'run/netns'), { recursive: true });
}

/** The exec handler: the collector's own command, against the node's prepared root. */
export function nodeRootExecHandler(roots: string, killAfter: Map<string, number> = new Map()): ExecHandler {
  const local = localProcessExecHandler({
    add: (kill) => {
      killers.add(kill);
      return () => killers.delete(kill);
    },
  });
  return (ctx) => {
    const node = ((ctx.podObject as Pod).spec.nodeName ?? 'unknown').replace(/[^A-Za-z0-9_.-]/g, '_');
    return Promise.resolve(local({ ...ctx, env: { ...ctx.env, CE_HOST: join(roots, node) } })).then((result) => {
      const limit = killAfter.get(node);
      if (limit === undefined || !result.stdout) return result;
      const source = result.stdout;
      const limited = new PassThrough();
      let passed = 0;
      source.on('data', (chunk: Buffer) => {
        if (passed >= limit) return;
        const piece = chunk.subarray(0, limit - passed);
        passed += piece.length;
        limited.write(piece);
        if (passed >= limit) {
          limited.end();
          result.kill?.();
        }
      });
      source.on('end', () => limited.end());
      return { ...result, stdout: limited };
    });
  };
}

const runningServers = new Set<{ close(): Promise<void> }>();
// Registered when the test file is collected: a hook registered from inside a test never runs.
afterAll(async () => {
  for (const kill of [...killers]) kill();
  const servers = [...runningServers];
  runningServers.clear();
  await Promise.all(servers.map((server) => server.close()));
});

export async function startTestCluster(options: StartOptions & { user?: string } = {}): Promise<TestCluster> {
  const dir = await tempDir('cni-evidence-cluster-');
  const roots = join(dir, 'roots');
  const killAfter = new Map<string, number>();
  const server = await startKubeApiServer({ execHandler: nodeRootExecHandler(roots, killAfter), ...options });
  runningServers.add(server);
  for (const node of server.state.list('nodes')) {
    const cidr = ((node as { spec?: { podCIDR?: string } }).spec?.podCIDR ?? '10.244.9.0/24');
    await makeNodeRoot(join(roots, node.metadata.name), node.metadata.name, cidr);
  }
  const kubeconfig = join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig, options.user !== undefined ? { user: options.user } : {});
  return {
    server,
    dir,
    kubeconfig,
    roots,
    killAfter,
    nodePods: () => (server.state.list('pods') as Pod[]).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'cni-evidence'),
    podWrites: () => {
      const named = /^\/api\/v1\/namespaces\/[^/]+\/pods\/(cni-evidence-[^/]+)$/;
      const created = server.requests.filter((r) => r.method === 'POST' && /^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(r.path) && r.status === 201).length;
      const names = new Set(server.requests.map((r) => named.exec(r.path)?.[1]).filter((n): n is string => n !== undefined));
      const deleted = server.requests.filter((r) => r.method === 'DELETE' && named.test(r.path)).map((r) => named.exec(r.path)![1]!);
      return { created, named: [...names].sort(), deleted: [...new Set(deleted)].sort() };
    },
  };
}

export interface ReadBack {
  manifest: Manifest;
  files: Map<string, string>;
  at: Map<string, ArtifactEntry>;
  integrityOk: boolean;
}

export async function readBack(path: string): Promise<ReadBack> {
  const { result, files } = await readBundleTexts(path);
  return { manifest: result.manifest, files, at: new Map(result.manifest.artifacts.map((a) => [a.path, a])), integrityOk: result.integrity.ok };
}

export const LIMITED_USER: UserConfig = {
  name: 'limited',
  token: 'limited-token',
  rules: [
    { verbs: ['get', 'list'], resources: ['nodes', 'namespaces', 'pods', 'events'], apiGroups: [''] },
    { verbs: ['get', 'list'], resources: ['daemonsets'], apiGroups: ['apps'] },
    // ConfigMaps only in kube-flannel; no pods/log anywhere; no pod create.
    { verbs: ['get'], resources: ['configmaps'], apiGroups: [''], namespaces: ['kube-flannel'] },
  ],
};
