import { open } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Option, type Command } from 'commander';
import { analyzeBundle } from '../../analyzer/analyze.js';
import { FAIL_ON_LEVELS, failsOn, loadRenderer, REPORT_FORMATS, type FailOn, type ReportFormat } from '../../analyzer/reports/formats.js';
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import { colorEnabled } from '../terminal.js';
import { readLimitOptions, type ReadLimitFlags } from './read-limits.js';

interface AnalyzeFlags extends ReadLimitFlags {
  format: ReportFormat;
  output?: string;
  failOn: FailOn;
  verbose: boolean;
}

/**
 * One full collection between reading and analysing: the reading leaves a heap grown for its
 * churn and full of dead line strings, and the analysis would otherwise build on top of it (the
 * peak of a 2 GB bundle). Node exposes gc() only behind --expose-gc, which V8 also accepts at run
 * time for contexts created afterwards.
 */
function collectGarbageNow(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc === 'function') gc();
}

/**
 * writeFile(path, string) encodes the whole report into one Buffer first: for the JSON report of
 * a big bundle (tens of MB) that copy was the analyzer's peak memory. A slice at a time instead.
 */
export async function writeInSlices(path: string, text: string): Promise<void> {
  const SLICE = 1 << 20;
  const handle = await open(path, 'w');
  try {
    for (let at = 0; at < text.length; ) {
      let end = Math.min(text.length, at + SLICE);
      // Never cut between the two halves of a surrogate pair: each slice is encoded on its own.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
      await handle.write(text.slice(at, end));
      at = end;
    }
  } finally {
    await handle.close();
  }
}

export function registerAnalyze(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('analyze')
    .description('replay a bundle offline and say what is wrong, where the proof is, and what to do (exit 1 on findings at --fail-on or worse)')
    .argument('<bundle>', 'bundle .tgz or unpacked folder')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at this severity or worse').choices(FAIL_ON_LEVELS).default('warning'))
    .option('-v, --verbose', 'the whole timeline and full excerpts', false)
    .addHelpText('after', '\nExamples:\n  cni-evidence analyze bundle.tgz\n  cni-evidence analyze bundle.tgz --format markdown -o ticket.md\n  cni-evidence analyze bundle.tgz --format html -o report.html');
  readLimitOptions(command).action(async (bundle: string, flags: AnalyzeFlags) => {
    // A big bundle streams gigabytes of short-lived strings past a small live set (the record
    // budget); V8 would grow the heap to four times the live set. Growth by 100 % keeps the peak
    // near 300 MB for a 1-2 GB bundle for about a tenth more CPU (bench/RESULTS.md; 50 % cost a
    // fifth). The flag is read at every GC, so setting it here, before reading, takes effect.
    setFlagsFromString('--heap-growing-percent=100');
    // CNI_EVIDENCE_LINE_WORKER=on parses big logs on a worker thread (analyzer/evidence/parallel.ts):
    // the same results, not faster yet on two cores, so off by default.
    const lineWorker = process.env.CNI_EVIDENCE_LINE_WORKER === 'on';
    // The analysis and the report are a few seconds of allocation on top of the loaded evidence:
    // growing the heap by little there keeps the peak down at a negligible cost.
    const onLoaded = (): void => {
      setFlagsFromString('--heap-growing-percent=15');
      collectGarbageNow();
    };
    const result = await analyzeBundle(bundle, { limits: flags.limits, lineWorker, onLoaded });
    const toTerminal = flags.output === undefined;
    // Only the renderer of this format is loaded (formats.ts).
    const render = await loadRenderer(flags.format);
    const report = render(result, { color: toTerminal && flags.format === 'text' && colorEnabled(process.stdout), verbose: flags.verbose });
    if (flags.output) {
      try {
        await writeInSlices(flags.output, report);
      } catch (error) {
        throw new CniEvidenceError({
          code: ERROR_CODES.OUTPUT_UNWRITABLE,
          message: `cannot write the report to ${flags.output}: ${(error as Error).message}`,
          hint: 'Pick a writable path for -o, or leave -o out to print to stdout.',
          file: flags.output,
          cause: error,
        });
      }
      process.stderr.write(`wrote ${flags.format} report to ${flags.output}\n`);
    } else {
      process.stdout.write(report);
    }
    setExitCode(failsOn(result, flags.failOn) ? EXIT_FINDINGS : EXIT_OK);
  });
}
