/**
 * The real kubectl as the judge: our describe text is what `kubectl describe pod` prints for the
 * same pod, and the collector runs as the kubectl plugin `kubectl cni-evidence collect`.
 *
 * Ages are relative times. The fixture's events are up to 3,000 s older than its recording time;
 * recorded 4 days and 60 s ago, every age falls between 4d1m and 4d51m, which HumanDuration
 * prints as "4d" both at collection time and when kubectl runs moments later.
 * Differences kubectl would show that the fixture does not exercise are listed in
 * collector/cluster/describe.ts (rare volume types, resourceFieldRef divisors, >12 events with
 * equal times).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { clusterPaths } from '../../../shared/bundle/paths.js';
import { collectCluster } from '../../../collector/cluster/collect-cluster.js';
import { describePod, eventsOfPod } from '../../../collector/cluster/describe.js';
import { BIN } from '../../helpers/cli.js';
import { threeNodeFlannelCluster } from '../../kube-api/fixtures.js';
import { readBack, startTestCluster } from './helpers.js';

const execFileP = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const STUCK = 'web-7r2rngql75-6w8j6';

describe.skipIf(!existsSync(KUBECTL))('against the real kubectl', async () => {
  const recorded = Date.now() - (4 * 86_400 + 60) * 1000;
  const fixture = threeNodeFlannelCluster({ now: recorded });
  const c = await startTestCluster({ fixture });
  // kubectl refuses flags before a plugin name, so plugin runs pass their own (plugin: true).
  const kubectl = async (args: string[], env: NodeJS.ProcessEnv = {}, plugin = false): Promise<{ stdout: string; stderr: string; code: number }> => {
    try {
      const r = await execFileP(KUBECTL, plugin ? args : ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'kube-cache'), ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: c.dir, ...env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000,
      });
      return { stdout: r.stdout, stderr: r.stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? -1 };
    }
  };

  it('the bundle describe text of the stuck pod is byte for byte what kubectl describe pod prints', async () => {
    const out = join(c.dir, 'describe.tgz');
    await collectCluster({ output: out, kubeconfig: c.kubeconfig, nodeEvidence: false });
    const ours = (await readBack(out)).files.get(clusterPaths.describe('default', STUCK))!;
    const theirs = await kubectl(['describe', 'pod', '-n', 'default', STUCK]);
    expect(theirs.code).toBe(0);
    expect(ours).toBe(theirs.stdout);
    // The parts a reader looks for first, spelled out.
    expect(ours).toMatch(/^Name:\s+web-7r2rngql75-6w8j6\nNamespace:\s+default\n/);
    expect(ours).toMatch(/\nNode:\s+node-2\/192\.168\.56\.12\n/);
    expect(ours).toMatch(/\nStatus:\s+Pending\nIP:\s+\nIPs:\s+<none>\n/);
    expect(ours).toMatch(/\n {4}State:\s+Waiting\n {6}Reason:\s+ContainerCreating\n/);
    // After "Events:", the header and the dashes come the rows.
    const eventRows = ours.slice(ours.indexOf('\nEvents:\n') + 1).split('\n').slice(3).filter((l) => l !== '');
    expect(eventRows.map((r) => r.trim().split(/\s{2,}/).slice(0, 2).join(' '))).toEqual([
      'Normal Scheduled',
      'Warning FailedCreatePodSandBox',
      'Warning FailedCreatePodSandBox',
      'Warning FailedCreatePodSandBox',
      'Warning FailedCreatePodSandBox',
    ]);
  });

  it('renders every pod of the fixture exactly as kubectl does', async () => {
    const pods = fixture.pods;
    const now = Date.now();
    // In the order the API lists them (by namespace/name), as the collector and kubectl get them:
    // events with equal times keep that order.
    const key = (e: (typeof fixture.events)[number]): string => `${e.metadata.namespace ?? ''}/${e.metadata.name}`;
    const listed = [...fixture.events].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const mismatches: string[] = [];
    for (const pod of pods) {
      const theirs = await kubectl(['describe', 'pod', '-n', pod.metadata.namespace!, pod.metadata.name]);
      const ours = describePod(pod, eventsOfPod(pod, listed), now);
      if (ours !== theirs.stdout) {
        const a = ours.split('\n');
        const b = theirs.stdout.split('\n');
        const line = a.findIndex((l, i) => l !== b[i]);
        mismatches.push(`${pod.metadata.namespace}/${pod.metadata.name} line ${line}: ours ${JSON.stringify(a[line])} kubectl ${JSON.stringify(b[line])}`);
      }
    }
    expect(pods.length).toBe(14);
    expect(mismatches).toEqual([]);
  });

  it('runs as the kubectl plugin `kubectl cni-evidence collect`, found on PATH', async () => {
    const plugins = join(c.dir, 'plugins');
    await mkdir(plugins, { recursive: true });
    await symlink(BIN, join(plugins, 'kubectl-cni_evidence'));
    const env = { PATH: `${plugins}:${process.env.PATH ?? '/usr/bin:/bin'}`, NO_COLOR: '1' };
    const list = await kubectl(['plugin', 'list'], env, true);
    expect(list.stdout).toContain(join(plugins, 'kubectl-cni_evidence'));
    const help = await kubectl(['cni-evidence', 'collect', '--help'], env, true);
    expect(help.stdout).toMatch(/^Usage: kubectl cni-evidence collect \[options\]/);
    const out = join(c.dir, 'plugin.tgz');
    // kubectl hands everything after the plugin name to it unchanged.
    const run = await kubectl(['cni-evidence', 'collect', '--kubeconfig', c.kubeconfig, '-o', out, '--node-timeout', '20s'], env, true);
    expect(run.stderr).toMatch(/\[\s*[\d.]+s\] .*: discovering scope/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*plugin\.tgz: 1 pod\(s\), 2 of 2 node\(s\), \d+ files, /);
    const b = await readBack(out);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest).toMatchObject({ mode: 'cluster', completion: { state: 'complete' }, request: { argv: ['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--node-timeout', '20s'], nodes: ['node-2', 'node-3'] } });
    expect(b.files.get('nodes/node-2/cni/results.ls')).toContain('cbr0-055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708-eth0');
    expect(c.nodePods()).toEqual([]);
  });
});
