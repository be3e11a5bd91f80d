/**
 * One streaming pass over a bundle: each file goes to the parser its path calls for, and the
 * records land in the Evidence store under their node or the cluster.
 */
import type { Readable } from 'node:stream';
import { nodePaths, parseNodePath } from '../../shared/bundle/paths.js';
import { readBundle, type ReadOptions } from '../../shared/bundle/reader.js';
import {
  isDeferredLine,
  isParseProblem,
  parsersForBundle,
  parserForPath,
  type CniCacheRecord,
  type CniConfigRecord,
  type DeferredLine,
  type DescribeRecord,
  type HostLocalRecord,
  type IpAddrRecord,
  type IpLinkRecord,
  type IpRouteRecord,
  type IpRuleRecord,
  type IptablesRecord,
  type JournalRecord,
  type K8sRecord,
  type LineParser,
  type LogRecordBase,
  type LsRecord,
  type ParseProblem,
  type SubnetEnvRecord,
} from '../parsers/index.js';
import { mayBeSymptomLine } from '../correlate/symptoms.js';
import { RecordBudget } from './budget.js';
import { parseLogStream, readText } from './lines.js';
import { LineParsingWorker, lineWorkerAvailable } from './parallel.js';
import { emptyClusterEvidence, emptyNodeEvidence, type Evidence, type LogFile, type NodeEvidence } from './types.js';

/** Text files larger than this are parsed from their first bytes only (configs are tiny; this is a guard). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** Small raw files kept verbatim for rules (dmesg tails, sysctl, CRI JSON, runtime config). */
const MAX_RAW_BYTES = 4 * 1024 * 1024;
/** Per log file, the interesting records kept; a flood of one error is counted, not stored. */
const MAX_RECORDS_PER_LOG = 50_000;
/**
 * Log records kept over the whole bundle (a kept journal line costs about 1.5 KB of heap, and
 * more again in the timeline and the report): past it, the logs with the most records are thinned
 * (see budget.ts) so the analyzer's memory stays flat however big the journals: the budget, not
 * the bundle, sets the peak (260-300 MB for 1-2 GB). 40,000 is about what a 20-node collection at
 * the default tails keeps when a fifth of its lines are errors; the generated 100 MB, 1 GB and
 * 2 GB benchmark bundles give the same diagnoses and findings at 25,000-40,000 as at 150,000.
 * Thinning is said in the report, never silent.
 */
export const DEFAULT_MAX_RECORDS = 40_000;

export interface LoadOptions extends ReadOptions {
  /** Budget of log records over the whole bundle (default DEFAULT_MAX_RECORDS). */
  maxRecords?: number;
  /**
   * Every log line through its parser's full decoder, no fast path (tests prove the fast paths
   * change nothing; slow on big bundles).
   */
  noFastPaths?: boolean;
  /**
   * Parse big logs on a worker thread (parallel.ts; default false). The records are the same;
   * on the 2-core benchmark machine it was slower (bench/RESULTS.md), so it is opt-in.
   */
  lineWorker?: boolean;
}

/** Logs at least this big go to the worker; smaller ones are not worth the copy. */
const WORKER_MIN_FILE_BYTES = 1024 * 1024;

/**
 * Makes V8 store the strings of a kept record flat. Parsers build values by concatenation
 * (timestamps from parts, unquoted messages around escapes), which V8 keeps as ropes: a 30-byte
 * timestamp then costs some 340 bytes of rope nodes for as long as the record lives. Reading a
 * character flattens a rope in place. Values do not change; a big bundle keeps a third less.
 */
function flatten(value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    value.charCodeAt(0);
    return;
  }
  if (depth >= 2 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) flatten(item, depth + 1);
    return;
  }
  for (const key in value as Record<string, unknown>) flatten((value as Record<string, unknown>)[key], depth + 1);
}

/** The key of a bound line parser, which names the same parser on the worker's side. */
function lineParserKey(bound: ReturnType<typeof parsersForBundle>, parser: LineParser<unknown>): string | undefined {
  for (const [key, candidate] of Object.entries(bound.line)) if (candidate === parser) return key;
  return undefined;
}

/**
 * Decodes the lines a parser put off, now that the budget has thinned the log: only the records
 * that survive are ever decoded (on the 1 GB benchmark bundle 35,239 of 539,039 deferred lines,
 * the failure lines decoded at once among them).
 */
function materializeDeferred(log: LogFile<unknown>, parser: LineParser<unknown>): number {
  const records = log.records;
  let decodedCount = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (!isDeferredLine(record)) continue;
    const decoded = parser.materialize!(record as DeferredLine);
    flatten(decoded);
    records[i] = decoded;
    decodedCount += 1;
  }
  return decodedCount;
}

function sortByFile<T extends { file: string }>(records: T[]): T[] {
  return records.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export async function loadEvidence(location: string, options: LoadOptions = {}): Promise<Evidence> {
  const nodes = new Map<string, NodeEvidence>();
  const cluster = emptyClusterEvidence();
  // Cluster records go to their list by kind (pods are special: deduplicated below).
  const clusterLists: Record<string, unknown[]> = {
    'k8s-event': cluster.events,
    'k8s-node': cluster.nodes,
    'k8s-daemonset': cluster.daemonsets,
    'k8s-configmap': cluster.configmaps,
    'k8s-status': cluster.statuses,
    'describe-pod': cluster.describePods,
    'describe-event': cluster.describeEvents,
  };
  const parseProblems: ParseProblem[] = [];
  const pods = new Map<string, K8sRecord & { kind: 'k8s-pod' }>();
  let files = 0;
  let records = 0;
  let boundOptions: { referenceTime?: string; knownNetworks?: string[]; noFastPaths?: boolean } = {};
  let bound = parsersForBundle();
  // stderr of iptables-save lives in the manifest; the parser needs it beside the text.
  let stderrByPath = new Map<string, string>();

  const node = (name: string): NodeEvidence => {
    let found = nodes.get(name);
    if (!found) nodes.set(name, (found = emptyNodeEvidence(name)));
    return found;
  };

  const maxRecords = Math.max(1, options.maxRecords ?? DEFAULT_MAX_RECORDS);
  const budget = new RecordBudget(maxRecords);
  // The parser of each log whose parser defers lines: they are decoded once the budget is settled.
  const parserOfLog = new Map<LogFile<unknown>, LineParser<unknown>>();
  const deferredLines = { kept: 0, decoded: 0 };

  // From TypeScript sources (tests) there is no compiled worker: parse in-thread, same results.
  const workerWanted = options.lineWorker === true && lineWorkerAvailable();
  let worker: LineParsingWorker | undefined;
  let filesInWorker = 0;

  // While the worker parses a log, what later files add to the shared evidence (the budget,
  // parse problems, lists) waits here and is applied in bundle order once that log is in: the
  // result is the same as reading every file in turn.
  let workerFile: Promise<void> | undefined;
  const waiting: (() => void)[] = [];
  const inOrder = (apply: () => void): void => {
    if (workerFile) waiting.push(apply);
    else apply();
  };

  async function parseLines<R>(parser: LineParser<R>, file: string, content: Readable, size: number, place: (log: LogFile<R>) => void): Promise<void> {
    const log: LogFile<R> = { file, records: [], linesSeen: 0, recordsDropped: 0 };
    if (parser.materialize) parserOfLog.set(log as LogFile<unknown>, parser as LineParser<unknown>);
    let keep: ((record: R) => void) | undefined;
    const start = (): void => {
      keep = budget.track(log);
      place(log);
    };
    const keepRecord = (record: R): void => {
      if (log.records.length >= MAX_RECORDS_PER_LOG) {
        log.recordsDropped += 1;
        return;
      }
      // The budget ranks symptoms first, which takes the decoded message: decode now an error
      // or warning that may be one (the failure lines, a few in a hundred errors).
      if (isDeferredLine(record)) deferredLines.kept += 1;
      if (isDeferredLine(record) && (record.severity === 'error' || record.severity === 'warning') && mayBeSymptomLine(record.raw)) {
        deferredLines.decoded += 1;
        const decoded = parser.materialize!(record);
        flatten(decoded);
        keep!(decoded);
        return;
      }
      keep!(record);
    };
    const keepProblem = (problem: ParseProblem): void => {
      if (parseProblems.length < 10_000) parseProblems.push(problem);
    };

    const parserKey = workerWanted && !workerFile && size >= WORKER_MIN_FILE_BYTES ? lineParserKey(bound, parser) : undefined;
    if (parserKey !== undefined) {
      // Nothing is waiting (the worker was idle), so this log's records are next in order.
      worker ??= new LineParsingWorker({ parserOptions: boundOptions });
      filesInWorker += 1;
      start();
      const { done } = await worker.parse(file, parserKey, content, (record) => keepRecord(record as R), keepProblem);
      workerFile = done.then((linesSeen) => {
        log.linesSeen = linesSeen;
        workerFile = undefined;
        for (const apply of waiting.splice(0)) apply();
      });
      // Awaited later (next log, or the end of the bundle); a failure must not go unhandled meanwhile.
      workerFile.catch(() => undefined);
      return;
    }

    // Parsed here, meanwhile the worker may still be on an earlier log: then hold the results.
    const held: (R | ParseProblem)[] = [];
    const drain = (): void => {
      for (const item of held.splice(0)) {
        if (isParseProblem(item)) keepProblem(item);
        else keepRecord(item);
      }
    };
    log.linesSeen = await parseLogStream(parser, file, content, (out) => {
      // A deferred line is one flat string already; its record is flattened when materialized.
      if (!isParseProblem(out) && !isDeferredLine(out)) flatten(out);
      if (workerFile) {
        held.push(out as R | ParseProblem);
        return;
      }
      if (!keep) start();
      drain();
      if (isParseProblem(out)) keepProblem(out);
      else keepRecord(out as R);
    });
    // Wait for the worker's log before the next file, so held results stay bounded to one log.
    if (workerFile) await workerFile;
    if (!keep) start();
    drain();
  }

  const reading = readBundle(
    location,
    {
      onManifest(manifest) {
        const networks = new Set<string>();
        for (const artifact of manifest.artifacts) {
          if (artifact.node) node(artifact.node).artifacts.set(artifact.path, artifact);
          const net = /^nodes\/[^/]+\/cni\/networks\/([^/]+)\//.exec(artifact.path);
          if (net) networks.add(net[1]!);
          if (artifact.stderrExcerpt) stderrByPath.set(artifact.path, artifact.stderrExcerpt);
        }
        // Cache file names split better when the network names are known up front.
        boundOptions = { referenceTime: manifest.createdAt, knownNetworks: [...networks, 'containerd-net', 'cni-loopback'] };
        if (options.noFastPaths) boundOptions.noFastPaths = true;
        bound = parsersForBundle(boundOptions);
      },
      async onFile(file, content) {
        files += 1;
        const path = file.path;
        const onNode = parseNodePath(path);
        const target = onNode ? node(onNode.node) : null;
        const rest = onNode?.rest ?? '';

        // Distro (k3s/rke2) CNI configs and listings are read like the standard ones.
        const distro = /^distro\/([^/]+)\/cni\/(net\.d\/[^/]+|net\.d\.ls|bin\.ls)$/.exec(rest);
        const choice = distro
          ? distro[2]!.startsWith('net.d/')
            ? { type: 'text' as const, parser: bound.text.cniConfig }
            : { type: 'text' as const, parser: bound.text.lsListing }
          : parserForPath(path, bound);

        if (!choice) {
          if (target) {
            const { text } = await readText(content, MAX_RAW_BYTES);
            inOrder(() => target.texts.set(rest, { file: path, text }));
          } else if (path === 'cluster/version.json') {
            const { text } = await readText(content, MAX_RAW_BYTES);
            inOrder(() => (cluster.version = { file: path, text }));
          }
          return;
        }

        if (choice.type === 'line') {
          await parseLines(choice.parser, path, content, file.size, (log) => {
            if (target) {
              if (rest.startsWith('journal/')) target.journals.set(rest.slice('journal/'.length).replace(/\.log$/, ''), log as LogFile<JournalRecord>);
              else target.logs.set(path, log as LogFile);
            } else {
              const m = /^cluster\/logs\/([^/]+)\/([^/]+)\/(.+?)(\.previous)?\.log$/.exec(path);
              // The log itself, not a copy: thinning later updates its records and counts.
              if (m) cluster.agentLogs.push(Object.assign(log as LogFile<LogRecordBase>, { namespace: m[1]!, pod: m[2]!, container: m[3]!, previous: m[4] !== undefined }));
            }
          });
          return;
        }

        const { text, cut } = await readText(content, MAX_TEXT_BYTES);
        const stderr = stderrByPath.get(path);
        const parsed =
          choice.parser === bound.text.iptablesSave && stderr
            ? bound.text.iptablesSave.parseWithStderr(text, path, stderr, `${path}#stderr`)
            : choice.parser.parse(text, path);
        // Parsed now; added to the evidence in bundle order (after a log the worker is still on).
        inOrder(() => {
          if (cut) parseProblems.push({ file: path, line: 0, message: `only the first ${MAX_TEXT_BYTES} bytes were parsed` });
          parseProblems.push(...parsed.problems.slice(0, 1000));
          records += parsed.records.length;
          const out = parsed.records;

          if (!target) {
            for (const record of out as (K8sRecord | DescribeRecord | { kind: string })[]) {
              switch (record.kind) {
                case 'k8s-pod': {
                  const pod = record as K8sRecord & { kind: 'k8s-pod' };
                  // cluster/pods.json and cluster/<ns>/pods.json overlap; keep one per pod.
                  const key = `${pod.namespace}/${pod.name}`;
                  if (!pods.has(key) || path === 'cluster/pods.json') pods.set(key, pod);
                  break;
                }
                default: {
                  const list = clusterLists[record.kind];
                  if (list) list.push(record);
                  break;
                }
              }
            }
            return;
          }

          if (distro) {
            const name = distro[1]!;
            if (distro[2]!.startsWith('net.d/')) for (const c of out as CniConfigRecord[]) target.distroCniConfigs.push({ distro: name, config: c });
            else if (distro[2] === 'bin.ls') target.distroBinListings.set(name, out as LsRecord[]);
            return;
          }
          const n = onNode!.node;
          if (rest.startsWith('cni/net.d/')) target.cniConfigs.push(...(out as CniConfigRecord[]));
          else if (rest.startsWith('cni/results/')) target.cniCache.push(...(out as CniCacheRecord[]));
          else if (rest.startsWith('cni/networks/')) target.hostLocal.push(...(out as HostLocalRecord[]));
          else if (rest.startsWith('cni/flannel/')) target.flannelCache.push(...(out as CniConfigRecord[]));
          else if (path === nodePaths.netDListing(n)) target.netDListing = out as LsRecord[];
          else if (path === nodePaths.binListing(n)) target.binListing = out as LsRecord[];
          else if (path === nodePaths.resultsListing(n)) target.resultsListing = out as LsRecord[];
          else if (path === nodePaths.networksListing(n)) target.networksListing = out as LsRecord[];
          else if (path === nodePaths.netnsListing(n)) target.netnsListing = out as LsRecord[];
          else if (path === nodePaths.flannelSubnetEnv(n)) target.subnetEnv = (out as SubnetEnvRecord[])[0] ?? null;
          else if (path === nodePaths.ipAddr(n) || path === nodePaths.ipLink(n)) {
            for (const r of out as (IpLinkRecord | IpAddrRecord)[]) {
              if (r.kind === 'ip-link') {
                // ip-addr.txt and ip-link.txt both list links; keep one per interface.
                if (!target.ipLinks.some((l) => l.index === r.index && l.name === r.name)) target.ipLinks.push(r);
              } else target.ipAddrs.push(r);
            }
          } else if (path === nodePaths.ipRoute(n)) target.ipRoutes.push(...(out as IpRouteRecord[]));
          else if (path === nodePaths.ipRule(n)) target.ipRules.push(...(out as IpRuleRecord[]));
          else if (path === nodePaths.iptablesSave(n)) target.iptables.push(...(out as IptablesRecord[]));
          else if (path === nodePaths.iptablesLegacySave(n)) target.iptablesLegacy.push(...(out as IptablesRecord[]));
          else if (path === nodePaths.nftRuleset(n)) target.nft.push(...(out as never[]));
          else if (path === nodePaths.conntrackStats(n)) target.conntrack.push(...(out as never[]));
          else if (path === nodePaths.mounts(n)) target.mounts.push(...(out as never[]));
          else if (path === nodePaths.df(n)) target.df.push(...(out as never[]));
          else target.texts.set(rest, { file: path, text });
        });
      },
    },
    options,
  );
  let result: Awaited<typeof reading>;
  try {
    result = await reading;
    await workerFile;
  } finally {
    await worker?.close();
  }

  for (const n of nodes.values()) {
    sortByFile(n.cniConfigs);
    sortByFile(n.cniCache);
  }
  let logRecords = 0;
  for (const log of budget.logs()) {
    logRecords += log.records.length;
    const parser = parserOfLog.get(log);
    if (parser) deferredLines.decoded += materializeDeferred(log, parser);
  }
  for (const log of budget.thinned) {
    parseProblems.push({
      file: log.file,
      line: 0,
      message: `kept ${log.records.length} of ${log.records.length + log.recordsDropped} interesting lines (the sandbox failures first, then the first and last of the other errors and warnings, then of the rest): the bundle holds more than ${maxRecords} of them`,
    });
  }
  records += logRecords;
  cluster.pods = [...pods.values()];
  return {
    location,
    manifest: result.manifest,
    integrity: result.integrity,
    artifacts: new Map(result.manifest.artifacts.map((a) => [a.path, a])),
    nodes,
    cluster,
    parseProblems,
    stats: { files, records },
    parallel: { filesInWorker },
    deferredLines,
  };
}
