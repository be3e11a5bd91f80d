/**
 * Start-up: `analyze` must not pay for what it does not use. The built CLI runs with a loader
 * hook (test/helpers/trace-loads.mjs) that records every module Node loads, ESM and CommonJS;
 * the Kubernetes client (a second of start-up, and a network library an offline analyzer has no
 * business loading) and the collector must not be among them. Timing is the benchmark's job
 * (npm run bench), not this test's.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requestedCommand } from '../../cli/commands/index.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

const HOOK = fileURLToPath(new URL('../helpers/trace-loads.mjs', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../samples/healthy.tgz', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function loadsOf(args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cni-evidence-startup-'));
  try {
    const trace = join(dir, 'trace.txt');
    const run = await runCli(args, { env: { CNI_EVIDENCE_TRACE_LOADS: trace, NODE_OPTIONS: `--import ${HOOK}` } });
    const modules = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
    return { code: run.code, modules };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const clientNode = (m: string) => m.includes('@kubernetes/client-node');
/** ajv and its dependencies: the schema validators are precompiled (scripts/generate-validators.ts). */
const ajv = (m: string) => /\/node_modules\/(?:ajv|fast-deep-equal|fast-uri|json-schema-traverse)\//.test(m);

describe('start-up', () => {
  it('the hook sees the Kubernetes client and ajv when something does load them (so the test can fail)', async () => {
    const dir = await tempDir('cni-evidence-startup-');
    const trace = join(dir, 'trace.txt');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', HOOK, '--input-type=module', '-e', "await import('@kubernetes/client-node'); await import('ajv')"], {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '', CNI_EVIDENCE_TRACE_LOADS: trace },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const modules = (await readFile(trace, 'utf8')).split('\n');
    expect(modules.some(clientNode)).toBe(true);
    expect(modules.some(ajv)).toBe(true);
  });

  it('analyze does not load @kubernetes/client-node, the collector or the bundle writer', async () => {
    const { code, modules } = await loadsOf(['analyze', SAMPLE, '--format', 'json', '-o', '/dev/null']);
    expect([0, 1]).toContain(code);
    expect(modules.some((m) => m.includes('/analyzer/analyze.js'))).toBe(true);
    expect(modules.filter(clientNode)).toEqual([]);
    expect(modules.filter((m) => /\/collector\/|\/bundle\/writer\.js|\/node_modules\/ws\//.test(m))).toEqual([]);
  });

  it('analyze loads no ajv (precompiled validators) and, for --format json, no other renderer and no analysis validator', async () => {
    const { code, modules } = await loadsOf(['analyze', SAMPLE, '--format', 'json', '-o', '/dev/null']);
    expect([0, 1]).toContain(code);
    expect(modules.some((m) => m.endsWith('/shared/bundle/manifest-validator.generated.js'))).toBe(true);
    expect(modules.some((m) => m.endsWith('/analyzer/reports/json.js'))).toBe(true);
    expect(modules.filter(ajv)).toEqual([]);
    expect(modules.filter((m) => /\/analyzer\/reports\/(?:html|markdown|text|validate-analysis|analysis-validator\.generated)\.js$/.test(m))).toEqual([]);
  });

  it('analyze loads no yaml package: kubeadm-config is read by the rules\' subset reader, other bundles have no YAML', async () => {
    const yaml = (m: string) => m.includes('/node_modules/yaml/');
    const withKubeadm = await loadsOf(['analyze', SAMPLE, '--format', 'json', '-o', '/dev/null']);
    expect(withKubeadm.modules.some((m) => m.endsWith('/analyzer/rules/lib/yaml.js'))).toBe(true);
    expect(withKubeadm.modules.filter(yaml)).toEqual([]);
    const without = await loadsOf(['analyze', fileURLToPath(new URL('../../samples/cni-config-missing.tgz', import.meta.url)), '--format', 'json', '-o', '/dev/null']);
    expect([0, 1]).toContain(without.code);
    expect(without.modules.some((m) => m.includes('/analyzer/analyze.js'))).toBe(true);
    expect(without.modules.filter(yaml)).toEqual([]);
  });

  it('--version loads no command at all', async () => {
    const { code, modules } = await loadsOf(['--version']);
    expect(code).toBe(0);
    expect(modules.filter((m) => /\/cli\/commands\/(?!index\.js)/.test(m))).toEqual([]);
  });

  it('picks the command from the arguments, and every command for help or anything unknown', () => {
    const argv = (...args: string[]) => ['node', 'cni-evidence', ...args];
    expect(requestedCommand(argv('analyze', 'b.tgz', '-o', 'r.md'))).toBe('analyze');
    expect(requestedCommand(argv('--help'))).toBeNull();
    expect(requestedCommand(argv('help', 'collect'))).toBe('collect');
    expect(requestedCommand(argv('analyse', 'b.tgz'))).toBeNull();
    expect(requestedCommand(argv())).toBeNull();
  });
});
