import type { Command } from 'commander';
import { packDirectory } from '../../shared/bundle/pack.js';
import { EXIT_OK } from '../exit-codes.js';
import { humanBytes } from '../terminal.js';

export function registerPack(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('pack')
    .description('build a bundle from a folder of hand-collected outputs laid out as format v1 (or an unpacked bundle)')
    .argument('<dir>', 'folder holding cluster/ and nodes/<node>/')
    .requiredOption('-o, --output <file>', 'bundle to write (.tgz)')
    .option('--overwrite', 'replace the output file if it exists', false)
    .addHelpText('after', '\nExample:\n  cni-evidence pack ./ticket-4711 -o ticket-4711.tgz')
    .action(async (dir: string, options: { output: string; overwrite: boolean }) => {
      const result = await packDirectory(dir, options.output, { overwrite: options.overwrite, argv: process.argv.slice(2) });
      const stored = result.manifest.artifacts.filter((a) => a.sha256 !== null);
      const bytes = stored.reduce((sum, a) => sum + a.bytes, 0);
      process.stdout.write(`wrote ${result.path}: ${stored.length} files, ${humanBytes(bytes)}\n`);
      if (result.skipped.length > 0) process.stdout.write(`left out (links or devices, never followed): ${result.skipped.join(', ')}\n`);
      if (result.unknownPaths.length > 0) {
        process.stdout.write(`packed but not in the v1 layout, so the analyzer may not read them (see docs/bundle-format.md):\n`);
        for (const path of result.unknownPaths) process.stdout.write(`  ${path}\n`);
      }
      setExitCode(EXIT_OK);
    });
}
