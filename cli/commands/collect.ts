import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  DEFAULT_IMAGE,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_NODES,
  DEFAULT_NODE_POD_NAMESPACE,
  DEFAULT_NODE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TAIL_LINES,
  DEFAULT_WORKERS,
} from '../../collector/cluster/defaults.js';
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_TOOL_ERROR } from '../exit-codes.js';
import { humanBytes } from '../terminal.js';
import { collectionPrivacy, type CollectionPrivacy } from '../../shared/redact/privacy.js';
import { describeResult } from './redact.js';
import { describeBudget, fitBundleToBudget, type BudgetOutcome } from '../../shared/bundle/budget.js';

interface CollectFlags {
  output?: string;
  kubeconfig?: string;
  context?: string;
  namespace: string[];
  pod: string[];
  selector?: string;
  nodes: string[];
  workers: string;
  nodeTimeout: string;
  requestTimeout: string;
  image: string;
  nodePodNamespace: string;
  nodeEvidence: boolean;
  maxNodes: string;
  since?: string;
  tailLines: string;
  maxBytes: string;
  maxBundleSize?: string;
  overwrite: boolean;
  nodeOnly: boolean;
  hostRoot?: string;
  journalFile?: string;
  journalDirectory?: string;
  nodeName?: string;
  redact: boolean;
  obfuscate: boolean;
  obfuscationKeyFile?: string;
  mapping?: string;
}

function usage(message: string, hint: string): CniEvidenceError {
  return new CniEvidenceError({ code: ERROR_CODES.USAGE, message, hint });
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (kubectl's --since, --request-timeout); a bare number is seconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw usage(`${flag} ${JSON.stringify(text)} is not a duration`, `Use a duration like 30s, 5m or 1h30m (${flag} 2h).`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1e3, kb: 1e3, ki: 1024, kib: 1024, m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2, g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3 };

/** Byte sizes as Kubernetes quantities (8Mi, 500k), with a B suffix (25MB, 25MiB), or plain numbers. */
export function parseSize(text: string, flag: string, hint = `Use bytes or a size like 512Ki, 8Mi, 1Gi (${flag} 8Mi).`): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw usage(`${flag} ${JSON.stringify(text)} is not a size`, hint);
  return Math.floor(Number(m[1]) * unit);
}

const BUNDLE_SIZE_HINT = 'Give the most bytes the .tgz may have: bytes or a size like 25M (25,000,000 bytes), 25MiB or 25000000 (--max-bundle-size 25M fits the attachment limit of most ticket systems).';

/** --max-bundle-size: the budget in bytes and the flag as given (quoted in the manifest), or null when not asked for. */
export function parseBundleBudget(text: string | undefined): { maxBytes: number; label: string } | null {
  if (text === undefined) return null;
  const maxBytes = parseSize(text, '--max-bundle-size', BUNDLE_SIZE_HINT);
  if (maxBytes < 1) throw usage(`--max-bundle-size ${JSON.stringify(text)} leaves no room for a bundle`, BUNDLE_SIZE_HINT);
  return { maxBytes, label: `--max-bundle-size ${text.trim()}` };
}

/** The bundle-budget part of the collect options. */
function budgetOptions(budget: Budget): { maxBundleBytes?: number; maxBundleLabel?: string } {
  return budget ? { maxBundleBytes: budget.maxBytes, maxBundleLabel: budget.label } : {};
}

/**
 * Pseudonymizing rewrites the bundle after the collection fitted it, and pseudonyms need not be as
 * short as the names: check the final file again (nothing to do in the usual case).
 */
async function refitAfterPrivacy(path: string, budget: Budget, finished: boolean): Promise<BudgetOutcome | null> {
  if (!budget || !finished) return null;
  const outcome = await fitBundleToBudget(path, budget);
  return outcome.rounds > 0 ? outcome : null;
}

/** `, 24.1 MiB .tgz (--max-bundle-size 25M, 12 log(s) cut)` after `wrote ...` when a budget was given. */
async function budgetNote(path: string, outcome: BudgetOutcome | null | undefined): Promise<string> {
  if (!outcome) return '';
  const bytes = (await stat(path)).size;
  return `, ${humanBytes(bytes)} .tgz (${outcome.label}${outcome.cuts.length > 0 ? `, ${outcome.cuts.length} log(s) cut` : ''}${bytes > outcome.maxBytes ? ', over it' : ''})`;
}

/** Says on stderr what the budget cut, and loudly when the bundle does not fit it. */
function reportBudget(outcome: BudgetOutcome | null | undefined): void {
  if (!outcome) return;
  const said = describeBudget(outcome);
  if (said.cut) process.stderr.write(`${said.cut}\n`);
  if (said.over) process.stderr.write(`warning: ${said.over}\n`);
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw usage(`${flag} must be a whole number of at least 1, not ${JSON.stringify(text)}`, `For example ${flag} 16.`);
  return n;
}

function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function commaList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

function defaultOutput(): string {
  return `cni-evidence-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tgz`;
}

/** SIGINT/SIGTERM: the first stops the collection cleanly, a second one quits at once. */
function interruptHandling(): { signal: AbortSignal; reason: () => string; livePods: Set<string>; release: () => void } {
  const controller = new AbortController();
  const livePods = new Set<string>();
  let received = '';
  const onSignal = (name: NodeJS.Signals): void => {
    if (!received) {
      received = name;
      process.stderr.write(`\n${name}: stopping; deleting node pods and writing a partial bundle (again to quit at once)\n`);
      controller.abort();
      return;
    }
    const left = [...livePods];
    process.stderr.write(`${name} again: quitting without a bundle${left.length > 0 ? `; node pods that may be left: ${left.join(', ')}` : ''}\n`);
    process.exit(EXIT_TOOL_ERROR);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    reason: () => received || 'aborted',
    livePods,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

const CLUSTER_ONLY = ['kubeconfig', 'context', 'selector', 'image', 'nodePodNamespace'] as const;

type Budget = { maxBytes: number; label: string } | null;

async function runNodeOnly(flags: CollectFlags, output: string, signal: AbortSignal, privacy: CollectionPrivacy, budget: Budget): Promise<number> {
  if (flags.namespace.length > 0 || flags.pod.length > 0 || flags.nodes.length > 0) {
    throw usage('--node-only collects this machine; -n, --pod and --nodes are for cluster collection', 'Use --node-name to name this node in the bundle.');
  }
  for (const key of CLUSTER_ONLY) {
    if (flags[key] !== undefined && !(key === 'image' && flags.image === DEFAULT_IMAGE) && !(key === 'nodePodNamespace' && flags.nodePodNamespace === DEFAULT_NODE_POD_NAMESPACE)) {
      throw usage(`--node-only collects this machine; --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for cluster collection`, 'Drop the cluster flags, or drop --node-only to collect through the API.');
    }
  }
  const { collectNode } = await import('../../collector/node/collect-node.js');
  const result = await collectNode({
    output: privacy.collectTo,
    ...privacy.writer,
    ...budgetOptions(budget),
    tailLines: positiveInt(flags.tailLines, '--tail-lines'),
    maxBytes: parseSize(flags.maxBytes, '--max-bytes'),
    ...(flags.since !== undefined ? { since: `${Math.round(parseDuration(flags.since, '--since') / 1000)}s ago` } : {}),
    ...(flags.nodeName !== undefined ? { node: flags.nodeName } : {}),
    ...(flags.hostRoot !== undefined ? { hostRoot: flags.hostRoot } : {}),
    ...(flags.journalFile !== undefined ? { journalFile: flags.journalFile } : {}),
    ...(flags.journalDirectory !== undefined ? { journalDirectory: flags.journalDirectory } : {}),
    overwrite: flags.overwrite,
    argv: process.argv.slice(2),
    signal,
  });
  reportBudget(result.budget);
  const finished = await privacy.finish();
  const refit = await refitAfterPrivacy(finished?.path ?? result.path, budget, finished !== null);
  reportBudget(refit);
  const manifest = refit?.manifest ?? result.manifest;
  const stored = manifest.artifacts.filter((a) => a.sha256 !== null);
  if (finished) process.stdout.write(describeResult(finished));
  process.stdout.write(`wrote ${finished?.path ?? result.path}: node ${manifest.request.nodes.join(',')}, ${stored.length} files, ${humanBytes(stored.reduce((s, a) => s + a.bytes, 0))}${await budgetNote(finished?.path ?? result.path, refit ?? result.budget)}\n`);
  if (manifest.completion.state === 'partial') {
    process.stdout.write(`partial: ${manifest.completion.reason ?? 'interrupted'}\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

export function registerCollect(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('collect')
    .description('collect the evidence of stuck pod sandboxes and CNI failures from a cluster (or, with --node-only, from this node) into one bundle')
    .option('-o, --output <file>', 'bundle to write (default: cni-evidence-<UTC time>.tgz in the current folder)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', 'only pods in this namespace (repeatable)', repeatable, [])
    .option('--pod <pod>', 'collect this pod: namespace/name, or name with -n (repeatable)', repeatable, [])
    .option('-l, --selector <selector>', 'collect the pods matching this label selector (like kubectl -l)')
    .option('--nodes <names>', 'collect exactly these nodes, comma-separated (repeatable; default: the nodes of the pods in scope plus one healthy node)', commaList, [])
    .option('--workers <n>', 'node pods in flight at once', String(DEFAULT_WORKERS))
    .option('--node-timeout <duration>', 'per node: pod start plus collection', `${DEFAULT_NODE_TIMEOUT_MS / 1000}s`)
    .option('--request-timeout <duration>', 'per API request', `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`)
    .option('--image <image>', 'image of the node pods (needs sh; the node is read with its own tools through chroot)', DEFAULT_IMAGE)
    .option('--node-pod-namespace <ns>', 'namespace for the node pods', DEFAULT_NODE_POD_NAMESPACE)
    .option('--no-node-evidence', 'no node pods: cluster evidence only')
    .option('--max-nodes <n>', 'visit at most this many nodes (the ones with the most pods in scope first)', String(DEFAULT_MAX_NODES))
    .option('--since <duration>', 'only logs and journal entries newer than this (5m, 2h)')
    .option('--tail-lines <n>', 'lines per container log and journal', String(DEFAULT_TAIL_LINES))
    .option('--max-bytes <size>', 'cap per artifact (logs keep their end)', `${DEFAULT_MAX_BYTES / 1024 / 1024}Mi`)
    .option(
      '--max-bundle-size <size>',
      'the most bytes the written .tgz may have (25M, 25MiB, 25000000): over it, logs are cut from their oldest lines, healthy nodes\' first, then failing nodes\'; config and state files never',
    )
    .option('--overwrite', 'replace the output file if it exists', false)
    .option('--node-only', 'collect this node, here (run as root on the node or in a privileged debug pod)', false)
    .option('--host-root <dir>', 'with --node-only: where the node filesystem is mounted (/host under kubectl debug node/...)')
    .option('--journal-file <file>', 'with --node-only: read the journal from this file')
    .option('--journal-directory <dir>', 'with --node-only: read the journal from this folder')
    .option('--node-name <name>', 'with --node-only: the node name in the bundle (default: its hostname)')
    .option('--no-redact', 'keep secrets in the bundle (default: redacted; see docs/redaction.md)')
    .option('--obfuscate', 'also pseudonymize node/pod/namespace names and IP addresses (keyed, prefix-preserving; docs/obfuscation.md)', false)
    .option('--obfuscation-key-file <file>', 'key for --obfuscate, created (0600) if missing (default ~/.config/cni-evidence/obfuscation.key)')
    .option('--mapping <file>', 'real <-> pseudonym table for --obfuscate (default: <key file>.mapping.json)')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 complete bundle, 1 partial bundle written (some evidence missing, see its manifest; or over',
        '--max-bundle-size even with every log cut), 2 no bundle.',
        '',
        '--max-bundle-size: the .tgz is packed, and when it is over the budget the journal, /var/log, dmesg and',
        'agent-log tails are cut from their oldest lines (the newest, nearest the collection, stay): first those',
        'of the healthy contrast node and the agents running there, then those of the nodes with failing pods.',
        'Every cut is recorded in the manifest (truncated, with the reason) and the checksums stay valid.',
        '',
        'Examples:',
        '  cni-evidence collect                                  # every stuck pod, its nodes and one healthy node',
        '  cni-evidence collect -n shop --pod web-7d4b9c-x2k8q   # one pod',
        '  kubectl cni-evidence collect --context prod -l app=web -o web.tgz',
        '  cni-evidence collect --nodes node-2,node-3 --no-node-evidence',
        '  cni-evidence collect --max-bundle-size 25M -o ticket-4711.tgz   # fits a 25 MB ticket attachment',
        '  cni-evidence collect --node-only --host-root /host -o node-2.tgz',
      ].join('\n'),
    )
    .action(async (flags: CollectFlags) => {
      const output = flags.output ?? defaultOutput();
      const interrupt = interruptHandling();
      let code: number = EXIT_TOOL_ERROR;
      let privacy: CollectionPrivacy | undefined;
      try {
        // A bad budget or key file fails here, before minutes of collection are spent.
        const budget = parseBundleBudget(flags.maxBundleSize);
        privacy = await collectionPrivacy(output, flags, { overwrite: flags.overwrite });
        if (flags.nodeOnly) {
          code = await runNodeOnly(flags, output, interrupt.signal, privacy, budget);
          return;
        }
        for (const flag of ['hostRoot', 'journalFile', 'journalDirectory', 'nodeName'] as const) {
          if (flags[flag] !== undefined) throw usage(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} only applies with --node-only`, 'Add --node-only to collect this machine, or drop the flag.');
        }
        // Flags first: a typo should not wait for the Kubernetes client to load.
        const settings = {
          workers: positiveInt(flags.workers, '--workers'),
          nodeTimeoutMs: parseDuration(flags.nodeTimeout, '--node-timeout'),
          requestTimeoutMs: parseDuration(flags.requestTimeout, '--request-timeout'),
          maxNodes: positiveInt(flags.maxNodes, '--max-nodes'),
          ...(flags.since !== undefined ? { sinceSeconds: Math.max(1, Math.round(parseDuration(flags.since, '--since') / 1000)) } : {}),
          tailLines: positiveInt(flags.tailLines, '--tail-lines'),
          maxBytes: parseSize(flags.maxBytes, '--max-bytes'),
          ...budgetOptions(budget),
        };
        // Loaded here, not at startup: the Kubernetes client takes a second to import.
        const [{ collectCluster }, { loadKubeConfig }, { progressFor }] = await Promise.all([
          import('../../collector/cluster/collect-cluster.js'),
          import('../../collector/cluster/kubeconfig.js'),
          import('../../collector/cluster/progress.js'),
        ]);
        const loaded = loadKubeConfig({ ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) });
        const bareNamespace = flags.namespace.length === 1 ? flags.namespace[0]! : flags.namespace.length === 0 ? loaded.namespace : null;
        const pods = flags.pod.map((p) => {
          if (p.includes('/')) return p;
          if (bareNamespace === null) throw usage(`--pod ${p} has no namespace and -n was given more than once`, 'Write it as namespace/name.');
          return `${bareNamespace}/${p}`;
        });
        const result = await collectCluster({
          output: privacy.collectTo,
          ...privacy.writer,
          kubeConfig: loaded.kubeConfig,
          namespaces: flags.namespace,
          pods,
          ...(flags.selector !== undefined ? { selector: flags.selector } : {}),
          ...(flags.nodes.length > 0 ? { nodes: flags.nodes } : {}),
          ...settings,
          image: flags.image,
          nodePodNamespace: flags.nodePodNamespace,
          nodeEvidence: flags.nodeEvidence,
          overwrite: flags.overwrite,
          argv: process.argv.slice(2),
          signal: interrupt.signal,
          interruptReason: interrupt.reason,
          progress: progressFor(process.stderr),
          onPod: (pod, alive) => (alive ? interrupt.livePods.add(pod) : interrupt.livePods.delete(pod)),
        });
        const finished = await privacy.finish();
        if (finished) process.stdout.write(describeResult(finished));
        const refit = await refitAfterPrivacy(finished?.path ?? result.path, budget, finished !== null);
        reportBudget(refit);
        const { summary } = result;
        if (refit && !refit.fits && summary.budget?.fits !== false) {
          summary.complete = false;
          summary.reasons.push(refit.overReason ?? `bundle over ${refit.label}`);
        }
        const stored = (refit?.manifest ?? result.manifest).artifacts.filter((a) => a.sha256 !== null);
        const bytes = stored.reduce((sum, a) => sum + a.bytes, 0);
        process.stdout.write(
          `wrote ${finished?.path ?? result.path}: ${summary.scope.pods.length} pod(s), ${summary.nodes.filter((n) => n.status === 'complete' || n.status === 'partial').length} of ${summary.nodes.length} node(s), ${stored.length} files, ${humanBytes(bytes)}${await budgetNote(finished?.path ?? result.path, refit ?? summary.budget)}\n`,
        );
        if (!summary.complete) {
          process.stdout.write('partial: some evidence is missing (cni-evidence inspect lists it):\n');
          for (const reason of summary.reasons) process.stdout.write(`  ${reason}\n`);
        }
        code = summary.complete ? EXIT_OK : EXIT_FINDINGS;
      } catch (error) {
        await privacy?.discard();
        throw error;
      } finally {
        interrupt.release();
        setExitCode(code);
        // Exec sessions a kubelet never answered can hold sockets open; the bundle is written, so
        // do not let them keep the process alive.
        setTimeout(() => process.exit(code), 3000).unref();
      }
    });
}
