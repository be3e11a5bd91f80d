/**
 * `npm run lab -- <scenario> [-o out.tgz] [--keep] [--overwrite]`, `npm run lab -- --list`,
 * `npm run lab -- all -o samples/` (one bundle per scenario into a folder).
 */
import { join } from 'node:path';
import { isCniEvidenceError } from '../../shared/errors.js';
import { listLabScenarios, runLab } from './run-lab.js';

const USAGE = `usage: npm run lab -- <scenario|all> [-o out.tgz|dir] [--overwrite] [--keep]
       npm run lab -- --list`;

async function main(argv: string[]): Promise<number> {
  const positional: string[] = [];
  let out: string | undefined;
  let overwrite = false;
  let keep = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-o' || arg === '--output') out = argv[++i];
    else if (arg === '--overwrite') overwrite = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--list') {
      for (const s of listLabScenarios()) console.log(`${s.name.padEnd(26)} ${s.title}\n${' '.repeat(27)}${s.reproduces}\n`);
      return 0;
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return 0;
    } else positional.push(arg);
  }
  const name = positional[0];
  if (!name || positional.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const names = name === 'all' ? listLabScenarios().map((s) => s.name) : [name];
  for (const scenario of names) {
    const target = name === 'all' ? join(out ?? '.', `lab-${scenario}.tgz`) : out ?? `lab-${scenario}.tgz`;
    const started = Date.now();
    const result = await runLab(scenario, target, {
      overwrite,
      keepFiles: keep,
      argv: ['lab', ...argv],
      log: (line) => console.error(`[lab] ${line}`),
    });
    const counts = new Map<string, number>();
    for (const a of result.manifest.artifacts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
    console.log(`${result.path}  (${scenario}, ${result.manifest.artifacts.length} artifacts: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)}s)`);
    for (const line of result.observed) console.log(`  ${line}`);
    if (result.workDir) console.log(`  lab folder kept: ${result.workDir}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isCniEvidenceError(error)) console.error(`cni-evidence lab: ${error.message}\n  ${error.hint}`);
    else console.error(`cni-evidence lab: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
