/**
 * Turns the recipe (source definitions, some of them functions of the options) into a flat list
 * of fully resolved steps. Both executors run this plan, and the sh script carries it (as JSON)
 * back to `ingestNodeTar`, so bundle paths are always computed by the same code.
 */
import { safeSegment } from '../../shared/bundle/paths.js';
import type { CommandArg, NodeRecipeOptions, NodeSourceDefinition } from '../sources/define.js';
import { DEFAULT_NODE_RECIPE_OPTIONS } from '../sources/define.js';

export interface PlannedFiles {
  kind: 'files';
  globs: string[];
  to: string;
  base: string | null;
  maxBytes: number;
  keep: 'head' | 'tail';
  maxFiles: number;
  absent: string | null;
}

export interface PlannedListing {
  kind: 'listing';
  dir: string;
  to: string;
  depth: number;
  withSha256: boolean;
  versionsTo: string | null;
  versionsSkip: string[];
  versionTimeoutMs: number;
}

export interface PlannedCommand {
  kind: 'command';
  /** The command and its fallbacks, tried in order while the program is not installed. */
  candidates: CommandArg[][];
  to: string;
  timeoutMs: number;
  maxBytes: number;
  keep: 'head' | 'tail';
  stdin: string | null;
  env: Record<string, string>;
  okExitCodes: number[];
}

export type PlannedAction = PlannedFiles | PlannedListing | PlannedCommand;

export interface PlannedStep {
  /** `<sourceId>#<index>`: stable within one plan, carried through the sh script's metadata. */
  ref: string;
  sourceId: string;
  action: PlannedAction;
}

export interface NodePlan {
  options: NodeRecipeOptions;
  steps: PlannedStep[];
}

const VERSION_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_FILES = 1000;

const RECIPE_OPTION_KEYS = ['since', 'tailLines', 'maxBytes', 'journalFile', 'journalDirectory', 'commandTimeoutMs'] as const;

/** The recipe options only (callers pass wider option objects), with defaults filled in. */
export function resolveRecipeOptions(options: Partial<NodeRecipeOptions> = {}): NodeRecipeOptions {
  const merged: NodeRecipeOptions = { ...DEFAULT_NODE_RECIPE_OPTIONS };
  for (const key of RECIPE_OPTION_KEYS) {
    const value = options[key];
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

export function planNode(recipe: readonly NodeSourceDefinition[], options: Partial<NodeRecipeOptions> = {}): NodePlan {
  const resolved = resolveRecipeOptions(options);
  const steps: PlannedStep[] = [];
  for (const source of recipe) {
    const list = typeof source.run === 'function' ? source.run(resolved) : source.run;
    list.forEach((step, index) => {
      const ref = `${source.id}#${index}`;
      let action: PlannedAction;
      switch (step.kind) {
        case 'files':
          action = {
            kind: 'files',
            globs: step.globs,
            to: step.to,
            base: step.base ?? null,
            maxBytes: step.maxBytes ?? resolved.maxBytes,
            keep: step.keep ?? 'head',
            maxFiles: step.maxFiles ?? DEFAULT_MAX_FILES,
            absent: step.absent ?? null,
          };
          break;
        case 'listing':
          action = {
            kind: 'listing',
            dir: step.dir,
            to: step.to,
            depth: step.depth ?? 1,
            withSha256: step.withSha256 ?? false,
            versionsTo: step.versionsTo ?? null,
            versionsSkip: step.versionsSkip ?? [],
            versionTimeoutMs: Math.min(VERSION_TIMEOUT_MS, resolved.commandTimeoutMs),
          };
          break;
        case 'command':
          action = {
            kind: 'command',
            candidates: [step.argv, ...(step.fallbacks ?? [])],
            to: step.to,
            timeoutMs: step.timeoutMs ?? resolved.commandTimeoutMs,
            maxBytes: step.maxBytes ?? resolved.maxBytes,
            keep: step.keep ?? 'head',
            stdin: step.stdin ?? null,
            env: step.env ?? {},
            okExitCodes: step.okExitCodes ?? [0],
          };
          break;
      }
      steps.push({ ref, sourceId: source.id, action });
    });
  }
  return { options: resolved, steps };
}

/** '' for the node's own root (or none given); otherwise the root without a trailing slash. */
export function normalizeHostRoot(hostRoot: string | undefined): string {
  if (hostRoot === undefined || hostRoot === '') return '';
  const trimmed = hostRoot.replace(/\/+$/, '');
  return trimmed;
}

/** Expands `{root}` and host-root-only arguments for a given (normalized) host root. */
export function expandArgv(args: readonly CommandArg[], hostRoot: string): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (typeof arg === 'string') out.push(arg.split('{root}').join(hostRoot));
    else if (hostRoot !== '') out.push(...arg.ifHostRoot.map((a) => a.split('{root}').join(hostRoot)));
  }
  return out;
}

/** Fills a bundle path template for one matched node path. */
export function fillTemplate(template: string, node: string, hostPath?: string, base?: string | null): string {
  const values: Record<string, string> = { node: safeSegment(node) };
  if (hostPath !== undefined) {
    const slash = hostPath.lastIndexOf('/');
    const dir = hostPath.slice(0, slash);
    values.basename = safeSegment(hostPath.slice(slash + 1));
    values.parent = safeSegment(dir.slice(dir.lastIndexOf('/') + 1));
    values.flat = safeSegment(hostPath.replace(/^\/+/, ''));
    if (base) {
      const prefix = `${base.replace(/\/+$/, '')}/`;
      const below = hostPath.startsWith(prefix) ? hostPath.slice(prefix.length) : hostPath.replace(/^\/+/, '');
      values.relative = below
        .split('/')
        .map((segment) => safeSegment(segment))
        .join('/');
    }
  }
  return template.replace(/\{(node|basename|parent|flat|relative)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Splits `/a/b/*.log` into its fixed prefix (`/a/b`) and the wildcard segments below it. */
export function splitGlob(glob: string): { prefix: string; patterns: string[] } {
  const segments = glob.split('/').filter((s) => s !== '');
  const firstWild = segments.findIndex((s) => /[*?]/.test(s));
  if (firstWild === -1) return { prefix: `/${segments.join('/')}`, patterns: [] };
  return { prefix: `/${segments.slice(0, firstWild).join('/')}`, patterns: segments.slice(firstWild) };
}

/** fnmatch for one path segment: `*` and `?` (dot files included, as `find -name` does). */
export function segmentMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    's',
  );
  return regex.test(name);
}
