import type { Command } from 'commander';
import { deobfuscateReport, readReport } from '../../shared/obfuscate/deobfuscate.js';
import { EXIT_OK } from '../exit-codes.js';

interface DeobfuscateFlags {
  mapping: string;
  obfuscationKeyFile?: string;
  output?: string;
}

export function registerDeobfuscate(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('deobfuscate')
    .description('turn a report written against a pseudonymized bundle back into real node, pod and namespace names and addresses')
    .argument('<report>', 'text, Markdown, JSON or HTML report (- for stdin)')
    .requiredOption('--mapping <file>', 'the mapping table written beside the obfuscation key')
    .option('--obfuscation-key-file <file>', 'the key, to restore addresses the table has not seen (networks the analyzer computed)')
    .option('-o, --output <file>', 'write the real-name report here instead of stdout')
    .addHelpText('after', '\nExample:\n  cni-evidence deobfuscate ticket-report.md --mapping ~/acme-prod.key.mapping.json -o report-real.md')
    .action(async (report: string, flags: DeobfuscateFlags) => {
      const text = await readReport(report);
      const result = await deobfuscateReport(text, {
        mappingFile: flags.mapping,
        ...(flags.obfuscationKeyFile !== undefined ? { keyFile: flags.obfuscationKeyFile } : {}),
        ...(flags.output !== undefined ? { output: flags.output } : {}),
      });
      if (flags.output === undefined) process.stdout.write(result.text);
      else process.stderr.write(`wrote ${flags.output}\n`);
      setExitCode(EXIT_OK);
    });
}
