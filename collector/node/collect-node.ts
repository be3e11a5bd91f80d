/**
 * `cni-evidence collect --node-only`: runs the node recipe here and writes a complete bundle for
 * this one node.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';
import type { Manifest } from '../../shared/bundle/manifest-schema.js';
import { createRedactionFilter } from '../../shared/redact/filter.js';
import { BundleWriter, type BundleWriterOptions } from '../../shared/bundle/writer.js';
import { fitBundleToBudget, type BudgetOutcome } from '../../shared/bundle/budget.js';
import type { NodeRecipeOptions, NodeSourceDefinition } from '../sources/define.js';
import { nodeRecipe } from '../sources/node/index.js';
import { runPlanLocally } from './local-executor.js';
import { normalizeHostRoot, planNode, type PlannedStep } from './plan.js';

export interface CollectNodeOptions extends Partial<NodeRecipeOptions> {
  /** The .tgz to write. */
  output: string;
  /** Node name in the bundle; default: the host root's /etc/hostname, else this machine's hostname. */
  node?: string;
  /** Where the node's filesystem is mounted (`/host` under `kubectl debug node/...`); default `/`. */
  hostRoot?: string;
  overwrite?: boolean;
  /** The command line, recorded in the manifest. */
  argv?: string[];
  /** `lab` for bundles the lab makes; default `node`. */
  mode?: 'node' | 'lab';
  /** Prepended to every command, not recorded (the lab's `nsenter --net=...`). */
  commandPrefix?: string[];
  /** Run even when not root (most node evidence then comes back failed or forbidden by the kernel). */
  allowNonRoot?: boolean;
  /** Stops between steps; the bundle is then written as `partial`. */
  signal?: AbortSignal;
  recipe?: readonly NodeSourceDefinition[];
  onStep?: (step: PlannedStep, index: number, total: number) => void;
  redaction?: BundleWriterOptions['redaction'];
  filter?: BundleWriterOptions['filter'];
  /** --max-bundle-size: the most bytes the .tgz may have; over it the node's logs are cut from their oldest end. */
  maxBundleBytes?: number;
  /** How the budget was given, for the manifest and messages (`--max-bundle-size 25M`). */
  maxBundleLabel?: string;
}

export async function defaultNodeName(hostRoot?: string): Promise<string> {
  const root = normalizeHostRoot(hostRoot);
  if (root !== '') {
    const name = await readFile(join(root, 'etc/hostname'), 'utf8').then((t) => t.trim(), () => '');
    if (name !== '') return name;
  }
  return hostname();
}

export async function collectNode(options: CollectNodeOptions): Promise<{ path: string; manifest: Manifest; budget?: BudgetOutcome }> {
  if (!options.allowNonRoot && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CniEvidenceError({
      code: ERROR_CODES.NOT_ROOT,
      message: 'collecting node evidence needs root (iptables, nft, conntrack, /var/lib/cni and the journal are root-only)',
      hint: 'Run it with sudo, or from a privileged debug pod: kubectl debug node/<node> -it --profile=sysadmin --image=<image> -- cni-evidence collect --node-only --host-root /host',
    });
  }
  const node = options.node ?? (await defaultNodeName(options.hostRoot));
  const plan = planNode(options.recipe ?? nodeRecipe, options);
  const hostRoot = normalizeHostRoot(options.hostRoot);
  const writer = await BundleWriter.create(options.output, {
    mode: options.mode ?? 'node',
    request: {
      namespaces: [],
      pods: [],
      nodes: [node],
      options: {
        ...plan.options,
        hostRoot: hostRoot === '' ? '/' : hostRoot,
        ...(options.maxBundleBytes !== undefined ? { maxBundleBytes: options.maxBundleBytes } : {}),
      },
      ...(options.argv ? { argv: options.argv } : {}),
    },
    ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
    // Redacted unless the caller says otherwise, as the CLI does by default.
    redaction: options.redaction ?? { enabled: true },
    ...(options.filter ? { filter: options.filter } : options.redaction?.enabled === false ? {} : { filter: createRedactionFilter() }),
  });
  let stoppedAt: string | null = null;
  try {
    await runPlanLocally(
      plan,
      {
        writer,
        node,
        hostRoot,
        ...(options.commandPrefix ? { commandPrefix: options.commandPrefix } : {}),
        onStep: (step, index, total) => {
          if (options.signal?.aborted) throw new StopRequested(step.ref);
          options.onStep?.(step, index, total);
        },
      },
    );
  } catch (error) {
    if (!(error instanceof StopRequested)) {
      await writer.abort();
      throw error;
    }
    stoppedAt = error.ref;
  }
  const written = await writer.finalize({
    completion: stoppedAt === null ? { state: 'complete' } : { state: 'partial', reason: `interrupted before step ${stoppedAt}` },
  });
  if (options.maxBundleBytes === undefined) return written;
  const budget = await fitBundleToBudget(written.path, { maxBytes: options.maxBundleBytes, ...(options.maxBundleLabel !== undefined ? { label: options.maxBundleLabel } : {}) });
  return { path: written.path, manifest: budget.manifest ?? written.manifest, budget };
}

class StopRequested extends Error {
  constructor(readonly ref: string) {
    super(`stopped before ${ref}`);
  }
}
