import type { Command } from 'commander';
import { inspectBundle, type InspectReport } from '../../shared/bundle/inspect.js';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import { colorEnabled, humanBytes, painter, table } from '../terminal.js';
import { readLimitOptions, type ReadLimitFlags } from './read-limits.js';

function renderText(report: InspectReport, color: boolean): string {
  const paint = painter(color);
  const { manifest, integrity } = report.bundle;
  const lines: string[] = [];
  lines.push(`${paint('bold', 'bundle')}     ${report.bundle.location} (${report.bundle.kind}, top folder ${report.bundle.topFolder})`);
  lines.push(`format     ${manifest.formatVersion}${manifest.migratedFrom ? ` (migrated from ${manifest.migratedFrom})` : ''}, made by cni-evidence ${manifest.tool.version} at ${manifest.createdAt}, mode ${manifest.mode}`);
  const asked = manifest.request;
  lines.push(`asked for  namespaces=${asked.namespaces.join(',') || '-'} pods=${asked.pods.join(',') || '-'} nodes=${asked.nodes.join(',') || '-'}`);
  lines.push(`collection ${manifest.completion.state === 'complete' ? paint('green', 'complete') : paint('yellow', `partial: ${manifest.completion.reason ?? 'no reason given'}`)}`);
  lines.push(`redaction  ${manifest.redaction.enabled ? 'on' : paint('yellow', 'off (may contain secrets)')}${manifest.redaction.obfuscated ? ', names and addresses pseudonymized' : ''}`);
  lines.push(`integrity  ${integrity.ok ? paint('green', `ok (${integrity.filesChecked} files, sha256 checked)`) : paint('red', `${integrity.problems.length} problem(s) in ${integrity.filesChecked} files`)}`);
  lines.push('');
  lines.push(table(
    ['SCOPE', 'OK', 'TRUNCATED', 'ABSENT', 'FAILED', 'FORBIDDEN', 'TIMEOUT', 'SKIPPED', 'BYTES'],
    report.scopes.map((s) => [s.scope, ...(['ok', 'truncated', 'absent', 'failed', 'forbidden', 'timeout', 'skipped'] as const).map((k) => String(s.counts[k])), humanBytes(s.bytes)]),
  ));
  if (report.gaps.length > 0) {
    lines.push('');
    lines.push(paint('bold', 'not collected in full:'));
    lines.push(table(
      ['STATUS', 'PATH', 'WHY'],
      report.gaps.map((a) => [a.status, a.path, a.error ?? (a.status === 'truncated' ? `cut at ${humanBytes(a.bytes)} of ${humanBytes(a.truncatedFromBytes ?? a.bytes)}` : a.exitCode != null ? `exit code ${a.exitCode}` : '')]),
    ));
  }
  if (!integrity.ok) {
    lines.push('');
    lines.push(paint('bold', 'integrity problems:'));
    for (const problem of integrity.problems) lines.push(`  ${paint('red', problem.kind)}  ${problem.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerInspect(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('inspect')
    .description('show what a bundle holds, per node and per artifact status, and check its integrity (exit 1 when a check fails)')
    .argument('<bundle>', 'bundle .tgz or unpacked folder')
    .option('--json', 'print the report as JSON', false);
  readLimitOptions(command).action(async (bundle: string, options: { json: boolean } & ReadLimitFlags) => {
    const report = await inspectBundle(bundle, { limits: options.limits });
    if (options.json) {
      const { bundle: read, ...rest } = report;
      process.stdout.write(`${JSON.stringify({ location: read.location, kind: read.kind, topFolder: read.topFolder, manifest: read.manifest, integrity: read.integrity, ...rest }, null, 2)}\n`);
    } else {
      process.stdout.write(renderText(report, colorEnabled(process.stdout)));
    }
    setExitCode(report.bundle.integrity.ok ? EXIT_OK : EXIT_FINDINGS);
  });
}
