/**
 * The evidence-source contract. One file per source, each a `defineSource({ id, scope, output, run })`.
 *
 * Node sources are declarative (`run` is a list of steps: read files, list a folder, run a command),
 * so one recipe can be executed in TypeScript on the node and rendered to a POSIX sh script for a
 * privileged pod; the two cannot drift. Cluster sources run against the Kubernetes API.
 */
import type { ClusterContext } from '../cluster/context.js';

/**
 * Node steps are data, not code: bundle paths are templates and commands are argv lists, so the
 * same step can be executed in TypeScript and rendered into sh. The placeholders below are filled
 * per matched file; write `to` with `nodePaths.*(NODE, BASENAME)` so paths stay those of the format.
 */
export const NODE = '{node}';
/** The matched file's name. */
export const BASENAME = '{basename}';
/** The name of the folder holding the matched file (the network name under /var/lib/cni/networks). */
export const PARENT = '{parent}';
/** The matched file's path below the step's `base` folder (for `/var/log/...` plugin logs). */
export const RELATIVE = '{relative}';
/** The whole node path without its leading slash; `safeSegment` flattens it into one segment. */
export const FLAT = '{flat}';
/**
 * In a command argument: the host root the collector reads the node through ('' when it runs on
 * the node itself or under `chroot /host`, `/host` under `kubectl debug node/...`).
 */
export const HOST_ROOT = '{root}';

/** Read every file matching a glob into the bundle, verbatim (empty and unreadable files too). */
export interface FileStep {
  kind: 'files';
  /** Absolute node paths; `*` and `?` match within one path level only (dot files included), no `**`. */
  globs: string[];
  /** Bundle path template ({node}, {basename}, {parent}, {relative}, {flat}). */
  to: string;
  /** The folder {relative} is taken from. */
  base?: string;
  maxBytes?: number;
  keep?: 'head' | 'tail';
  /** Matches past this count are recorded `skipped` (the listing still names them). Default 1000. */
  maxFiles?: number;
  /** Bundle path ({node} only) recorded `absent` when no glob matched; without it nothing is recorded. */
  absent?: string;
}

/** List a folder: mode, size, mtime (and sha256) of each entry, optionally each plugin's VERSION answer. */
export interface ListingStep {
  kind: 'listing';
  dir: string;
  /** Bundle path template ({node} only). */
  to: string;
  /** How many levels below `dir` to list (1 = its entries; 2 for networks/<net>/<file>). */
  depth?: number;
  withSha256?: boolean;
  /** When set, each executable entry is asked `CNI_COMMAND=VERSION` and the answers land here ({node} only). */
  versionsTo?: string;
  /**
   * Entries never executed for VERSION: multi-call binaries that act on their name (Calico's
   * `install` copies files and writes config when run) must not be started by a collector.
   */
  versionsSkip?: string[];
}

/** An argument present only when the collector reads the node through a host root (`--host-root /host`). */
export interface HostRootArgs {
  ifHostRoot: string[];
}
export type CommandArg = string | HostRootArgs;

/** Run a command on the node, in the collector's namespaces. */
export interface CommandStep {
  kind: 'command';
  argv: CommandArg[];
  /** Tried in order when the previous program is not installed (iptables-nft-save, then iptables-save). */
  fallbacks?: CommandArg[][];
  /** Bundle path template ({node} only). */
  to: string;
  timeoutMs?: number;
  maxBytes?: number;
  keep?: 'head' | 'tail';
  stdin?: string;
  env?: Record<string, string>;
  /** Exit codes that still mean "worked" (default [0]); others record `failed` but keep the output. */
  okExitCodes?: number[];
}

export type NodeStep = FileStep | ListingStep | CommandStep;

export interface NodeSourceDefinition {
  id: string;
  scope: 'node';
  /** Human summary of what lands in the bundle (docs and --help). */
  output: string;
  run: NodeStep[] | ((options: NodeRecipeOptions) => NodeStep[]);
}

/** Options that shape the node recipe (journal bounds, offline journal). */
export interface NodeRecipeOptions {
  /** journalctl --since value (`2h ago`, `2026-11-22 10:00`). */
  since?: string;
  /** journalctl -n. */
  tailLines: number;
  /** Cap per artifact for logs and command output. */
  maxBytes: number;
  /** Read the journal from this file (journalctl --file) instead of the node's journal. */
  journalFile?: string;
  /** Read the journal from this folder (journalctl --directory). */
  journalDirectory?: string;
  commandTimeoutMs: number;
}

export const DEFAULT_NODE_RECIPE_OPTIONS: NodeRecipeOptions = {
  tailLines: 5000,
  maxBytes: 8 * 1024 * 1024,
  commandTimeoutMs: 30_000,
};

/** API client, writer, discovered scope and settings, shared by every cluster source (collector/cluster/context.ts). */
export type ClusterSourceContext = ClusterContext;

export interface ClusterSourceDefinition<C = ClusterSourceContext> {
  id: string;
  scope: 'cluster';
  output: string;
  run: (context: C) => Promise<void>;
}

export type SourceDefinition = NodeSourceDefinition | ClusterSourceDefinition<never>;

export function defineSource<S extends NodeSourceDefinition | ClusterSourceDefinition<any>>(source: S): S {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(source.id)) throw new Error(`source id ${source.id} must be kebab-case`);
  return source;
}
