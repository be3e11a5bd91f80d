/** The rule catalogue: docs/rules.md and `cni-evidence rules` are rendered from the rules themselves. */
import type { RuleDefinition } from './define.js';
import { UNEXPLAINED_RULE_ID } from '../diagnose.js';

export function renderRuleCatalogMarkdown(rules: readonly RuleDefinition[]): string {
  const lines = [
    '# Diagnosis rules',
    '',
    'Generated from `analyzer/rules/*.ts` (`npm run docs`; a test fails when this file is stale).',
    'Rule ids are a public, stable contract: they appear in JSON reports and `--fail-on` pipelines.',
    '',
    '| id | severity | CNI? | title |',
    '|---|---|---|---|',
    ...rules.map((r) => `| \`${r.id}\` | ${r.severity} | ${r.cni ? 'yes' : 'no (same symptom)'} | ${r.title} |`),
    `| \`${UNEXPLAINED_RULE_ID}\` | warning | yes | A failing pod that no rule explains (the analyzer says so instead of guessing) |`,
    '',
  ];
  for (const r of rules) {
    lines.push(`## \`${r.id}\``, '', `**${r.title}** (${r.severity}${r.cni ? '' : ', not a CNI fault'})`, '', r.description, '', `Reads: ${r.needs.map((n) => `\`${n}\``).join(', ')}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderRuleCatalogText(rules: readonly RuleDefinition[]): string {
  const width = Math.max(...rules.map((r) => r.id.length));
  return `${rules.map((r) => `${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.title}`).join('\n')}\n`;
}
