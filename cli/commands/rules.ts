import type { Command } from 'commander';
import { ALL_RULES } from '../../analyzer/rules/index.js';
import { renderRuleCatalogMarkdown, renderRuleCatalogText } from '../../analyzer/rules/catalog.js';
import { EXIT_OK } from '../exit-codes.js';

export function registerRules(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('rules')
    .description('list the diagnosis rules (ids are stable; use them with --format json consumers)')
    .option('--markdown', 'the full catalogue with descriptions, as in docs/rules.md', false)
    .action((options: { markdown: boolean }) => {
      process.stdout.write(options.markdown ? renderRuleCatalogMarkdown(ALL_RULES) : renderRuleCatalogText(ALL_RULES));
      setExitCode(EXIT_OK);
    });
}
