/**
 * `npm run lab -- <scenario>`: builds a lab node, drives one scenario with real software,
 * collects the node with the real node collector into a `lab` bundle, and removes every
 * namespace, mount, process and cgroup it made, whatever happened.
 */
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';
import type { Manifest } from '../../shared/bundle/manifest-schema.js';
import { collectNode } from '../node/collect-node.js';
import { LabContainerd } from './containerd.js';
import { containerdJournalLines, writeNodeJournal } from './journal.js';
import { KubeletLog, type JournalLine } from './klog.js';
import { LabNode } from './node.js';
import { ensureLabPackages } from './packages.js';
import { run } from './proc.js';
import { findScenario, labScenarios, type ScenarioContext } from './scenarios.js';

export interface LabScenarioInfo {
  name: string;
  title: string;
  reproduces: string;
}

export function listLabScenarios(): LabScenarioInfo[] {
  return labScenarios.map(({ name, title, reproduces }) => ({ name, title, reproduces }));
}

export interface RunLabOptions {
  /** Node name in the bundle (default lab-node-1). */
  node?: string;
  overwrite?: boolean;
  /** Install missing Debian packages first (default true). */
  installPackages?: boolean;
  /** Keep the lab's temp folder (its root and logs) for inspection. */
  keepFiles?: boolean;
  argv?: string[];
  log?: (line: string) => void;
}

export interface LabRunResult {
  path: string;
  manifest: Manifest;
  scenario: string;
  /** Messages the real software produced during the run (CRI errors, status, observations). */
  observed: string[];
  /** The lab's temp folder, when kept. */
  workDir?: string;
}

/** Why the lab cannot run here, or null when it can (root, namespaces, cgroups). */
export async function labUnavailableReason(): Promise<string | null> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the lab needs root (it creates namespaces, mounts and cgroups)';
  const probe = await run(['unshare', '--net', '--mount', 'true'], { allowFail: true }).catch((e: Error) => ({ code: 1, stderr: e.message }));
  if (probe.code !== 0) return `cannot create network/mount namespaces: ${probe.stderr.trim()}`;
  const apt = await run(['sh', '-c', 'command -v apt-get && command -v dpkg-query'], { allowFail: true });
  if (apt.code !== 0) return 'the lab installs Debian packages and needs apt-get and dpkg-query';
  return null;
}

export async function runLab(scenarioName: string, out: string, options: RunLabOptions = {}): Promise<LabRunResult> {
  const scenario = findScenario(scenarioName);
  if (!scenario) {
    throw new CniEvidenceError({
      code: ERROR_CODES.USAGE,
      message: `unknown lab scenario ${JSON.stringify(scenarioName)}`,
      hint: `Pick one of: ${labScenarios.map((s) => s.name).join(', ')}.`,
    });
  }
  const unavailable = await labUnavailableReason();
  if (unavailable) {
    throw new CniEvidenceError({
      code: ERROR_CODES.NOT_ROOT,
      message: `the lab cannot run here: ${unavailable}`,
      hint: 'Run it as root on a Debian machine (sudo npm run lab -- <scenario>).',
    });
  }
  const log = options.log ?? (() => undefined);
  if (options.installPackages !== false) await ensureLabPackages(log);

  const node = await LabNode.create({ ...(options.node ? { name: options.node } : {}), keepFiles: options.keepFiles ?? false, log });
  const kubelet = new KubeletLog();
  const runtimes: LabContainerd[] = [];
  const observed: string[] = [];
  let failure: unknown;
  let result: LabRunResult | undefined;
  try {
    const context: ScenarioContext = {
      node,
      kubelet,
      async startContainerd() {
        const runtime = await LabContainerd.start(node, kubelet, { logName: `containerd-${runtimes.length + 1}.log` });
        runtimes.push(runtime);
        return runtime;
      },
      observe(message) {
        observed.push(message);
        log(message);
      },
    };
    log(`scenario ${scenario.name} on ${node.name} (${node.base})`);
    await scenario.run(context);
    const lines: JournalLine[] = [...kubelet.lines];
    for (const runtime of runtimes) lines.push(...containerdJournalLines(await runtime.log(), runtime.pid));
    await writeNodeJournal(node.root, node.name, lines);
    const collected = await collectNode({
      output: out,
      node: node.name,
      hostRoot: node.root,
      mode: 'lab',
      commandPrefix: node.enterNet,
      overwrite: options.overwrite ?? false,
      argv: options.argv ?? ['lab', scenario.name],
    });
    result = { ...collected, scenario: scenario.name, observed, ...(options.keepFiles ? { workDir: node.base } : {}) };
  } catch (error) {
    failure = error;
  } finally {
    for (const runtime of runtimes) runtime.cri.close();
    try {
      await node.cleanup();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return result!;
}
