import type { Command } from 'commander';
import { basename, dirname, join } from 'node:path';
import { defaultKeyFile } from '../../shared/obfuscate/key.js';
import { prepareObfuscation } from '../../shared/obfuscate/obfuscator.js';
import { redactBundle, type RedactBundleResult } from '../../shared/redact/redact-bundle.js';
import { EXIT_OK } from '../exit-codes.js';
import { readLimitOptions, type ReadLimitFlags } from './read-limits.js';

interface RedactFlags extends ReadLimitFlags {
  output?: string;
  inPlace: boolean;
  overwrite: boolean;
  obfuscate: boolean;
  obfuscationKeyFile?: string;
  mapping?: string;
}

export function defaultRedactedPath(input: string, obfuscate: boolean): string {
  const name = basename(input.replace(/\/+$/, '')).replace(/\.(tgz|tar\.gz)$/, '');
  return join(dirname(input.replace(/\/+$/, '')), `${name}.${obfuscate ? 'obfuscated' : 'redacted'}.tgz`);
}

/** The summary: what was replaced (counts only), and where the key and mapping stay. */
export function describeResult(result: RedactBundleResult): string {
  const lines: string[] = [];
  const totals = result.manifest.redaction.totals ?? {};
  const count = Object.values(totals).reduce((a, b) => a + b, 0);
  lines.push(`wrote ${result.path}: ${count === 0 ? 'no secrets found' : `${count} value(s) replaced`}${result.manifest.redaction.enabled ? '' : ' (redaction off)'}`);
  for (const [rule, n] of Object.entries(totals)) lines.push(`  ${rule.padEnd(26)} ${n}`);
  if (result.mapping) {
    const m = result.mapping;
    lines.push(`names and addresses pseudonymized with key ${m.keyId} (${m.keyFile}${m.keyCreated ? ', created now' : ''})`);
    lines.push(`mapping (${m.names} names, ${m.addresses} addresses): ${m.file}`);
    lines.push('keep the key and the mapping: never attach them; `cni-evidence deobfuscate <report> --mapping <file>` reads reports back');
  }
  return `${lines.join('\n')}\n`;
}

export function registerRedact(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('redact')
    .description('rewrite an existing bundle with secrets replaced (and, with --obfuscate, names and addresses pseudonymized)')
    .argument('<bundle>', 'bundle .tgz or unpacked folder')
    .option('-o, --output <file>', 'bundle to write (default: <bundle>.redacted.tgz, or .obfuscated.tgz)')
    .option('--in-place', 'replace the input bundle once the redacted one is complete', false)
    .option('--overwrite', 'replace the output file if it exists', false)
    .option('--obfuscate', 'also pseudonymize node, pod and namespace names and IP addresses (keyed, prefix-preserving)', false)
    .option('--obfuscation-key-file <file>', `key for --obfuscate; created (mode 0600) if missing (default ${defaultKeyFile()})`)
    .option('--mapping <file>', 'where the real ↔ pseudonym table is kept (default: <key file>.mapping.json)')
    .addHelpText(
      'after',
      '\nExamples:\n  cni-evidence redact bundle.tgz\n  cni-evidence redact bundle.tgz --obfuscate --obfuscation-key-file ~/acme-prod.key -o ticket.tgz\n  cni-evidence redact bundle.tgz --in-place',
    );
  readLimitOptions(command).action(async (bundle: string, flags: RedactFlags) => {
    const output = flags.inPlace ? bundle : flags.output ?? defaultRedactedPath(bundle, flags.obfuscate);
    const obfuscation = flags.obfuscate
      ? await prepareObfuscation({ keyFile: flags.obfuscationKeyFile ?? defaultKeyFile(), ...(flags.mapping ? { mappingFile: flags.mapping } : {}) })
      : undefined;
    if (obfuscation?.key.warning) process.stderr.write(`warning: ${obfuscation.key.warning}\n`);
    const result = await redactBundle(bundle, output, {
      ...(obfuscation ? { obfuscation } : {}),
      overwrite: flags.overwrite,
      inPlace: flags.inPlace,
      limits: flags.limits,
    });
    process.stdout.write(describeResult(result));
    setExitCode(EXIT_OK);
  });
}
