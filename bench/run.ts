/**
 * `npm run bench`: the benchmarks of issue 8.
 *
 *   npm run bench -- --smoke                     CI: a ~5 MB bundle analyzed once, a tiny collection,
 *                                                one start-up; asserts only that they work
 *   npm run bench -- --full                      startup, analyzer 100m/1g/2g, collector
 *   npm run bench -- --case analyzer:1g --case startup
 *
 * Cases: `startup`, `analyzer:<size>[@<nodes>]` (size like 100m, 1g), `collector[:<nodes>]` (two rows:
 * as is, and again with `--max-bundle-size 25M`; the smoke collection runs once), `redact[:<size>]`
 * (the redaction engine alone, in this process, with and without its prefilter; default 50m).
 * Options: --dir <folder> for generated bundles (default the OS temp folder), --keep to keep them,
 * --runs <n> analyzer runs per bundle (default 1; the median is reported), --json <file> to save
 * the numbers. Every child is measured with GNU time (wall, user+sys CPU, peak RSS) when
 * /usr/bin/time exists. Timings are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { FAILURE_GREP_PATTERN, generateBundle, parseBytes, sizedOptions } from './generate-bundle.js';
import { hasGnuTime, mb, measure, median, secs, type Measured } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/bench/). */
const ROOT = resolve(HERE, '..', '..');
const BIN = join(ROOT, 'bin', 'cni-evidence.js');
const TRACE_HOOK = join(ROOT, 'test', 'helpers', 'trace-loads.mjs');

interface Args {
  cases: string[];
  smoke: boolean;
  dir: string | undefined;
  keep: boolean;
  runs: number;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { cases: [], smoke: false, dir: undefined, keep: false, runs: 1, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--smoke') args.smoke = true;
    else if (a === '--full') args.cases.push('startup', 'analyzer:100m', 'analyzer:1g', 'analyzer:2g', 'collector');
    else if (a === '--case') args.cases.push(...value().split(','));
    else if (a === '--dir') args.dir = value();
    else if (a === '--keep') args.keep = true;
    else if (a === '--runs') args.runs = Math.max(1, Number(value()));
    else if (a === '--json') args.json = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${helpText()}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!args.smoke && args.cases.length === 0) args.cases.push('startup', 'analyzer:100m');
  return args;
}

function helpText(): string {
  return [
    'usage: npm run bench -- [--smoke | --full | --case <case>...] [--dir <folder>] [--keep] [--runs <n>] [--json <file>]',
    'cases: startup, analyzer:<size>[@<nodes>] (100m, 1g, 2g), collector[:<nodes>], redact[:<size>] (default 50m)',
  ].join('\n');
}

function machine(): Record<string, string> {
  const cpu = cpus();
  return {
    cores: String(cpu.length),
    cpu: cpu[0]?.model ?? 'unknown',
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB (${(freemem() / 1024 ** 3).toFixed(1)} GiB free)`,
    node: process.version,
    load: loadavg().map((l) => l.toFixed(2)).join(' '),
    gnuTime: hasGnuTime() ? 'yes' : 'no (peak RSS polled from /proc, no CPU time)',
  };
}

type Row = Record<string, string | number | null>;
const results: { case: string; rows: Row[] }[] = [];

function table(title: string, rows: Row[]): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  process.stdout.write(`\n### ${title}\n\n| ${cols.join(' | ')} |\n| ${cols.map(() => '---').join(' | ')} |\n`);
  for (const r of rows) process.stdout.write(`| ${cols.map((c) => text(r[c])).join(' | ')} |\n`);
}

/** Extra node flags for the measured CLI runs, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=prof' to profile them. */
function nodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

function fail(message: string): never {
  throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------------------

async function smallestSample(): Promise<string> {
  const dir = join(ROOT, 'samples');
  const entries = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.tgz')).map(async (f) => ({ f, size: (await stat(join(dir, f))).size })));
  const smallest = entries.sort((a, b) => a.size - b.size)[0];
  if (!smallest) fail('no samples/*.tgz to analyze');
  return join(dir, smallest.f);
}

/** Which packages a command loads, via the loader hook the start-up test uses. */
async function modulesLoaded(args: string[]): Promise<{ files: number; packages: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cni-evidence-bench-trace-'));
  const trace = join(dir, 'trace.txt');
  await measure(process.execPath, ['--import', TRACE_HOOK, BIN, ...args], { env: { CNI_EVIDENCE_TRACE_LOADS: trace } });
  const urls = (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  await rm(dir, { recursive: true, force: true });
  const packages = new Set<string>();
  for (const u of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
    if (m) packages.add(m[1]!);
  }
  return { files: urls.filter((u) => u.startsWith('file:')).length, packages: [...packages].sort() };
}

async function startupCase(runs: number): Promise<void> {
  const sample = await smallestSample();
  const rows: Row[] = [];
  for (const [label, args] of [
    ['analyze (smallest sample)', ['analyze', sample, '--format', 'json', '-o', '/dev/null']],
    ['--version', ['--version']],
  ] as const) {
    const samples: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      const m = await measure(process.execPath, [BIN, ...args]);
      if (m.code !== 0 && m.code !== 1) fail(`${label} exited ${m.code}: ${m.stderr}`);
      samples.push(m);
    }
    const loaded = await modulesLoaded([...args]);
    if (label.startsWith('analyze') && loaded.packages.includes('@kubernetes/client-node')) fail('analyze loaded @kubernetes/client-node');
    rows.push({
      command: `cni-evidence ${label}`,
      runs,
      'wall median': secs(median(samples.map((s) => s.wallMs))),
      'wall min': secs(Math.min(...samples.map((s) => s.wallMs))),
      'CPU median': secs(samples[0]?.cpuMs === null ? null : median(samples.map((s) => s.cpuMs ?? 0))),
      'peak RSS': mb(Math.max(...samples.map((s) => s.peakRss ?? 0)) || null),
      'ESM files loaded': loaded.files,
      packages: loaded.packages.join(', '),
    });
  }
  results.push({ case: 'startup', rows });
  table(`Start-up (${sample.replace(`${ROOT}/`, '')})`, rows);
}

// ---------------------------------------------------------------------------------------------
// Analyzer
// ---------------------------------------------------------------------------------------------

async function floor(bundle: string): Promise<Measured & { matches: number }> {
  // The same failure patterns as the analyzer's symptom filter, case-insensitive like it, in the C
  // locale (grep's fastest): a fair and hard floor.
  const m = await measure('bash', ['-c', 'set -o pipefail; gunzip -c "$1" | LC_ALL=C grep -ciE "$2"; true', 'floor', bundle, FAILURE_GREP_PATTERN]);
  return { ...m, matches: Number(m.stdout.trim()) };
}

async function analyzerCase(spec: string, args: Args, dir: string): Promise<void> {
  const m = /^analyzer:([\d.]+[kmg]?)(?:@(\d+))?$/i.exec(spec);
  if (!m) fail(`bad case ${spec}: use analyzer:<size>[@<nodes>]`);
  const total = parseBytes(m[1]!);
  const nodes = m[2] ? Number(m[2]) : total <= 16 * 1024 ** 2 ? 3 : total <= 200 * 1024 ** 2 ? 10 : 20;
  const bundle = join(dir, `bench-${m[1]}-${nodes}n.tgz`);
  const genStarted = Date.now();
  // With --keep, a bundle generated by an earlier run is reused (its numbers are kept beside it).
  const genInfo = `${bundle}.json`;
  const kept = args.keep ? await readFile(genInfo, 'utf8').then((t) => JSON.parse(t) as Awaited<ReturnType<typeof generateBundle>>, () => undefined) : undefined;
  const gen = kept && (await stat(bundle).then(() => true, () => false)) ? kept : await generateBundle(sizedOptions(bundle, total, nodes));
  if (args.keep && !kept) await writeFile(genInfo, JSON.stringify(gen));
  const genMs = Date.now() - genStarted;
  const compressed = (await stat(bundle)).size;
  process.stderr.write(`generated ${bundle}: ${mb(gen.bytes)} in ${gen.artifacts} files (${mb(compressed)} compressed), ${gen.lines} log lines, ${gen.failureLines} failure lines, in ${secs(genMs)}\n`);
  try {
    const loadAtStart = loadavg()[0] ?? 0;
    // The floor runs before each analyzer run and once after the last: on a shared machine the
    // speed drifts by 10-20 % within minutes, and a ratio is only fair between neighbours.
    const floors: (Measured & { matches: number })[] = [];
    const runs: Measured[] = [];
    const report = join(dir, `bench-${m[1]}-report.json`);
    for (let i = 0; i < args.runs; i++) {
      floors.push(await floor(bundle));
      const r = await measure(process.execPath, [...nodeFlags(), BIN, 'analyze', bundle, '--format', 'json', '-o', report]);
      if (r.code !== 0 && r.code !== 1) fail(`analyze exited ${r.code}: ${r.stderr}`);
      runs.push(r);
    }
    floors.push(await floor(bundle));
    // Each run against the mean of the floors just before and after it.
    const pairRatios = runs.map((r, i) => r.wallMs / ((floors[i]!.wallMs + floors[i + 1]!.wallMs) / 2));
    const analysis = JSON.parse(await readFile(report, 'utf8')) as { diagnoses: { ruleId: string; pod: string | null }[]; stats: { records: number; files: number } };
    await rm(report, { force: true });
    if (analysis.diagnoses.length === 0) fail('the analysis of a bundle with failing pods has no diagnosis');
    const wall = median(runs.map((r) => r.wallMs));
    const floorWall = median(floors.map((f) => f.wallMs));
    const rules = [...new Set(analysis.diagnoses.map((d) => d.ruleId))].join(', ');
    const row: Row = {
      bundle: `${nodes} nodes`,
      load: loadAtStart.toFixed(1),
      'log worker': process.env.CNI_EVIDENCE_LINE_WORKER === 'on' ? 'on' : 'off',
      uncompressed: mb(gen.bytes),
      compressed: mb(compressed),
      'analyzer wall': secs(wall),
      'analyzer CPU': secs(runs[0]?.cpuMs === null ? null : median(runs.map((r) => r.cpuMs ?? 0))),
      'peak RSS': mb(Math.max(...runs.map((r) => r.peakRss ?? 0)) || null),
      'floor wall': secs(floorWall),
      'floor CPU': secs(floors[0]?.cpuMs === null ? null : median(floors.map((f) => f.cpuMs ?? 0))),
      ratio: (wall / floorWall).toFixed(2),
      'ratio per run': runs.length > 1 ? `${Math.min(...pairRatios).toFixed(2)}-${Math.max(...pairRatios).toFixed(2)}` : pairRatios[0]!.toFixed(2),
      'MB/s': (gen.bytes / 1024 / 1024 / (wall / 1000)).toFixed(0),
      'floor matches': floors[0]!.matches,
      records: analysis.stats.records,
      diagnoses: `${analysis.diagnoses.length} (${rules})`,
    };
    results.push({ case: spec, rows: [row] });
    table(`Analyzer ${m[1]} (${args.runs} run${args.runs > 1 ? 's' : ''}, medians; the floor before each run and after the last)`, [row]);
  } finally {
    if (!args.keep) await rm(bundle, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Collector
// ---------------------------------------------------------------------------------------------

/** A node root like the test cluster's (flannel config, a reservation, a cached result). */
async function makeNodeRoot(root: string, podCIDR: string): Promise<void> {
  const w = async (path: string, content: string, mode = 0o644): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  };
  const base = podCIDR.replace(/\.0\/24$/, '');
  await w('etc/hostname', 'node-x\n');
  await w('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  await w('etc/cni/net.d/10-flannel.conflist', '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},\n    {"type": "portmap", "capabilities": {"portMappings": true}}\n  ]\n}\n');
  await w('run/flannel/subnet.env', `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${base}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`);
  await w('var/lib/cni/networks/cbr0/last_reserved_ip.0', `${base}.5`);
  await w(`var/lib/cni/networks/cbr0/${base}.5`, '01d576d2\r\neth0');
  await w('var/lib/cni/results/cbr0-01d576d2-eth0', '{"kind":"cniCacheV1","containerId":"01d576d2","ifName":"eth0","networkName":"cbr0"}', 0o600);
  await w('opt/cni/bin/flannel', '#!/bin/sh\nprintf \'{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0"]}\\n\'\n', 0o755);
  await mkdir(join(root, 'run/netns'), { recursive: true });
}

/** `-n` lines of kubelet and containerd chatter (the generator's), as `journalctl -o short-iso` prints them. */
async function journalTails(dir: string, tailLines: number): Promise<Record<string, string>> {
  const scratch = join(dir, 'journal-src.tgz');
  // ~240 bytes a line: generate a little more than needed, keep the last `tailLines` lines.
  await generateBundle({ output: scratch, nodes: 2, journalBytes: tailLines * 260, agentLogBytes: 1024, failingNodes: 1, podsPerNode: 30 });
  const { readBundleTexts } = await import('../shared/bundle/reader.js');
  const { files } = await readBundleTexts(scratch);
  await rm(scratch, { force: true });
  const out: Record<string, string> = {};
  for (const unit of ['kubelet', 'containerd']) {
    const text = files.get(`nodes/node-2/journal/${unit}.log`) ?? '';
    out[unit] = `${text.trimEnd().split('\n').slice(-tailLines).join('\n')}\n`;
  }
  return out;
}

/**
 * The node script's tar with the kubelet and containerd journal steps answered by a busy node's
 * tails: this machine's journalctl has no journal for a prepared root, and a bundle with empty
 * journals would say nothing about the journal caps and the bundle size.
 */
async function withJournals(nodeTar: Buffer, dir: string, journals: Record<string, string>): Promise<Buffer> {
  const tar = await import('tar');
  const work = join(dir, 'node-tar');
  await mkdir(work, { recursive: true });
  const order: string[] = [];
  await pipeline(Readable.from([nodeTar]), tar.t({ onReadEntry: (e) => void order.push(e.path) }));
  await pipeline(Readable.from([nodeTar]), tar.x({ cwd: work }));
  const steps: Record<string, string> = { 'journal-kubelet#0': journals.kubelet ?? '', 'journal-runtime#0': journals.containerd ?? '' };
  for (const name of order.filter((p) => p.endsWith('.meta'))) {
    const meta = await readFile(join(work, name), 'utf8');
    const ref = /^ref=(.*)$/m.exec(meta)?.[1];
    const text = ref !== undefined ? steps[ref] : undefined;
    if (text === undefined) continue;
    const n = name.slice(0, -'.meta'.length);
    await writeFile(join(work, `${n}.out`), text);
    await writeFile(join(work, `${n}.err`), '');
    await writeFile(join(work, name), meta.replace(/^rc=.*$/m, 'rc=0').replace(/^size=.*$/m, `size=${Buffer.byteLength(text)}`));
    for (const extra of [`${n}.out`, `${n}.err`]) if (!order.includes(extra)) order.splice(order.indexOf(name), 0, extra);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of tar.c({ cwd: work }, order)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function captureNodeTar(root: string): Promise<Buffer> {
  const [{ NODE_WRAPPER }, { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES }, { planNode }, { renderPlanScript }, { nodeRecipe }] = await Promise.all([
    import('../collector/cluster/fan-out.js'),
    import('../collector/cluster/defaults.js'),
    import('../collector/node/plan.js'),
    import('../collector/node/sh-renderer.js'),
    import('../collector/sources/node/index.js'),
  ]);
  const script = renderPlanScript(planNode(nodeRecipe, { tailLines: DEFAULT_TAIL_LINES, maxBytes: DEFAULT_MAX_BYTES }));
  const child = spawn('sh', ['-c', NODE_WRAPPER, 'cni-evidence-node', String(Buffer.byteLength(script))], {
    env: { ...process.env, CE_HOST: root },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  child.stdin.end(script);
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface CollectorShape {
  nodes: number;
  pods: number;
  failingPods: number;
  failingNodes: number;
  latencyMs: number;
  nodeMs: number;
  /** Also run with `--max-bundle-size 25M` (an extra row). */
  budgetRow?: boolean;
}

async function collectorCase(label: string, shape: CollectorShape, dir: string): Promise<void> {
  const [{ startKubeApiServer }, { largeCluster }, { DEFAULT_TAIL_LINES }] = await Promise.all([
    import('../test/kube-api/server.js'),
    import('../test/kube-api/fixtures.js'),
    import('../collector/cluster/defaults.js'),
  ]);
  const work = await mkdtemp(join(dir, 'cni-evidence-bench-collect-'));
  try {
    await makeNodeRoot(join(work, 'root'), '10.244.7.0/24');
    const tar = await withJournals(await captureNodeTar(join(work, 'root')), work, await journalTails(work, DEFAULT_TAIL_LINES));
    const server = await startKubeApiServer({
      fixture: largeCluster({ nodes: shape.nodes, pods: shape.pods, failingPods: shape.failingPods, failingNodes: shape.failingNodes }),
      faults: shape.latencyMs > 0 ? [{ path: /./, latencyMs: shape.latencyMs }] : [],
      execHandler: (ctx) => {
        const stdout = new PassThrough();
        const exit = new Promise<number>((resolveExit) => {
          const timer = setTimeout(() => {
            stdout.end(tar);
            resolveExit(0);
          }, shape.nodeMs);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolveExit(137);
          });
        });
        ctx.stdin?.resume();
        return { stdout, stderr: null, exit };
      },
    });
    try {
      const kubeconfig = join(work, 'kubeconfig');
      await server.writeKubeconfig(kubeconfig);
      const extra = (process.env.BENCH_COLLECT_ARGS ?? '').split(' ').filter(Boolean);
      // The same collection again with the ticket-attachment budget, except in the CI smoke.
      const variants = [extra, ...(shape.budgetRow ? [[...extra, '--max-bundle-size', '25M']] : [])];
      const rows: Row[] = [];
      for (const [index, args] of variants.entries()) {
        const out = join(work, `collected-${index}.tgz`);
        const requestsBefore = server.requests.length;
        const r = await measure(process.execPath, [...nodeFlags(), BIN, 'collect', '--kubeconfig', kubeconfig, '-o', out, ...args]);
        if (r.code !== 0) fail(`collect exited ${r.code}: ${r.stderr.slice(-2000)}`);
        if (process.env.BENCH_VERBOSE) process.stderr.write(r.stderr);
        const size = (await stat(out)).size;
        const { readBundle } = await import('../shared/bundle/reader.js');
        const read = await readBundle(out);
        const stored = read.manifest.artifacts.filter((a) => a.sha256 !== null);
        const uncompressed = stored.reduce((s, a) => s + a.bytes, 0);
        const nodeDirs = new Set(stored.map((a) => a.node).filter((n): n is string => n !== null));
        const requests = server.requests.slice(requestsBefore);
        const exec = requests.filter((q) => q.path.endsWith('/exec')).length;
        const budgetCuts = read.manifest.artifacts.filter((a) => a.error?.startsWith('cut to fit the bundle budget')).length;
        const flags = args.join(' ');
        rows.push({
          cluster: `${shape.nodes} nodes, ${shape.pods} pods, ${shape.failingPods} failing on ${shape.failingNodes}${flags ? ` (${flags})` : ''}`,
          latency: `${shape.latencyMs} ms/request, ${shape.nodeMs / 1000} s/node`,
          wall: secs(r.wallMs),
          CPU: secs(r.cpuMs),
          'peak RSS': mb(r.peakRss),
          'API requests': `${requests.length - exec} (+${exec} exec)`,
          'nodes collected': nodeDirs.size,
          'bundle (compressed)': mb(size),
          'bundle (uncompressed)': mb(uncompressed),
          ...(shape.budgetRow ? { 'logs cut for the budget': args.includes('--max-bundle-size') ? budgetCuts : null } : {}),
          completion: read.manifest.completion.state,
        });
      }
      results.push({ case: label, rows });
      table(`Collector (${label}, default workers)`, rows);
    } finally {
      await server.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Redaction engine
// ---------------------------------------------------------------------------------------------

/**
 * The redaction engine alone, in this process: every file of a generated bundle (journals, agent
 * logs, API objects and node files, as a collection stores them) through the filter `collect`
 * uses, in 64 KiB chunks, with the prefilter and without it (every rule on every line: the
 * reference), alternating; the two outputs must be identical. CPU time of this process (user +
 * sys), best run of each.
 */
async function redactCase(spec: string, args: Args, dir: string): Promise<void> {
  const m = /^redact(?::([\d.]+[kmg]?))?$/i.exec(spec);
  if (!m) fail(`bad case ${spec}: use redact[:<size>]`);
  const size = m[1] ?? '50m';
  const bundle = join(dir, `bench-redact-${size}.tgz`);
  const genInfo = `${bundle}.json`;
  const kept = args.keep ? await readFile(genInfo, 'utf8').then((t) => JSON.parse(t) as Awaited<ReturnType<typeof generateBundle>>, () => undefined) : undefined;
  const gen = kept && (await stat(bundle).then(() => true, () => false)) ? kept : await generateBundle(sizedOptions(bundle, parseBytes(size), 20));
  if (args.keep && !kept) await writeFile(genInfo, JSON.stringify(gen));
  const [{ readBundle }, { createRedactionFilter }] = await Promise.all([import('../shared/bundle/reader.js'), import('../shared/redact/filter.js')]);
  const files: [string, Buffer][] = [];
  try {
    await readBundle(bundle, {
      async onFile(file, content) {
        const chunks: Buffer[] = [];
        for await (const chunk of content) chunks.push(chunk as Buffer);
        files.push([file.path, Buffer.concat(chunks)]);
      },
    });
  } finally {
    if (!args.keep) await rm(bundle, { force: true });
  }
  const bytes = files.reduce((n, [, b]) => n + b.length, 0);
  let lines = 0;
  for (const [, b] of files) for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) lines += 1;
  const pass = async (prefilter: boolean): Promise<{ cpuMs: number; digest: string }> => {
    const filter = createRedactionFilter({ prefilter });
    const hash = createHash('sha256');
    const before = process.cpuUsage();
    for (const [path, content] of files) {
      const made = filter.forArtifact(path);
      if (!made) fail('the redaction filter gave no transform');
      const chunks: Buffer[] = [];
      for (let i = 0; i < content.length; i += 64 * 1024) chunks.push(content.subarray(i, i + 64 * 1024));
      for await (const chunk of Readable.from(chunks).pipe(made.transform)) hash.update(chunk as Buffer);
      hash.update(JSON.stringify(made.counts()));
    }
    const used = process.cpuUsage(before);
    return { cpuMs: (used.user + used.system) / 1000, digest: hash.digest('hex') };
  };
  const loadAtStart = loadavg()[0] ?? 0;
  const fast: number[] = [];
  const reference: number[] = [];
  let digest: string | undefined;
  for (let i = 0; i < Math.max(3, args.runs); i++) {
    for (const prefilter of [true, false]) {
      const r = await pass(prefilter);
      digest ??= r.digest;
      if (r.digest !== digest) fail('the prefiltered engine and the rule-by-rule engine gave different bytes or counts');
      (prefilter ? fast : reference).push(r.cpuMs);
    }
  }
  const best = (runs: number[]) => Math.min(...runs);
  const rate = (ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);
  const row: Row = {
    input: `${mb(bytes)}, ${files.length} files, ${lines} lines (${gen.lines} log lines)`,
    load: loadAtStart.toFixed(1),
    'prefilter CPU': secs(best(fast)),
    'prefilter MB/s': rate(best(fast)),
    'rule by rule CPU': secs(best(reference)),
    'rule by rule MB/s': rate(best(reference)),
    speed: `${(best(reference) / best(fast)).toFixed(1)}x`,
    output: 'identical',
  };
  results.push({ case: spec, rows: [row] });
  table(`Redaction engine (${spec}, best of ${fast.length} alternating runs, CPU of this process)`, [row]);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const facts = machine();
  process.stdout.write(`# cni-evidence bench\n\nmachine: ${facts.cores} cores (${facts.cpu}), ${facts.memory}, Node ${facts.node}, load average ${facts.load}, GNU time: ${facts.gnuTime}\ncommand: node dist/bench/run.js ${process.argv.slice(2).join(' ')}\n`);
  const dir = args.dir ?? tmpdir();
  await mkdir(dir, { recursive: true });
  const cases = args.smoke ? ['startup:1', 'analyzer:5m@3', 'collector:smoke'] : args.cases;
  for (const c of cases) {
    const started = Date.now();
    if (c === 'startup' || c === 'startup:1') await startupCase(c === 'startup:1' ? 1 : 5);
    else if (c.startsWith('analyzer:')) await analyzerCase(c, args, dir);
    else if (c === 'collector') await collectorCase('500 nodes', { nodes: 500, pods: 5000, failingPods: 50, failingNodes: 20, latencyMs: 20, nodeMs: 2000, budgetRow: true }, dir);
    else if (c === 'collector:smoke') await collectorCase('smoke', { nodes: 6, pods: 40, failingPods: 3, failingNodes: 2, latencyMs: 0, nodeMs: 100 }, dir);
    else if (/^collector:\d+$/.test(c)) {
      const n = Number(c.slice('collector:'.length));
      await collectorCase(`${n} nodes`, { nodes: n, pods: n * 10, failingPods: Math.ceil(n / 10), failingNodes: Math.ceil(n / 25), latencyMs: 20, nodeMs: 2000, budgetRow: true }, dir);
    } else if (c === 'redact' || c.startsWith('redact:')) await redactCase(c, args, dir);
    else fail(`unknown case ${c}`);
    process.stderr.write(`case ${c} done in ${secs(Date.now() - started)}\n`);
  }
  if (args.json) await writeFile(args.json, `${JSON.stringify({ machine: facts, argv: process.argv.slice(2), results }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
