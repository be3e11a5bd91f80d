import type { Command } from 'commander';
import { mergeBundles } from '../../collector/merge.js';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import { humanBytes } from '../terminal.js';

export function registerMerge(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('merge')
    .description('join node bundles (collect --node-only) and at most one cluster bundle into one bundle (exit 1 when an input was partial)')
    .argument('<bundle...>', 'bundles to join')
    .requiredOption('-o, --output <file>', 'bundle to write (.tgz)')
    .option('--overwrite', 'replace the output file if it exists', false)
    .addHelpText('after', '\nExample:\n  cni-evidence merge cluster.tgz node-2.tgz node-3.tgz -o ticket-4711.tgz')
    .action(async (bundles: string[], options: { output: string; overwrite: boolean }) => {
      const { path, manifest } = await mergeBundles(bundles, options.output, { overwrite: options.overwrite, argv: process.argv.slice(2) });
      const stored = manifest.artifacts.filter((a) => a.sha256 !== null);
      process.stdout.write(`wrote ${path}: ${bundles.length} bundles, ${stored.length} files, ${humanBytes(stored.reduce((sum, a) => sum + a.bytes, 0))}\n`);
      if (manifest.completion.state === 'partial') process.stdout.write(`partial: ${manifest.completion.reason ?? 'an input was partial'}\n`);
      setExitCode(manifest.completion.state === 'complete' ? EXIT_OK : EXIT_FINDINGS);
    });
}
