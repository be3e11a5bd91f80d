/**
 * The command line. Each subcommand lives in cli/commands/<name>.ts and returns an exit code;
 * this file only wires them up and turns known errors into message + hint (never a stack).
 */
import { Command, CommanderError } from 'commander';
import { CniEvidenceError, ERROR_CODES, isCniEvidenceError } from '../shared/errors.js';
import { toolVersion } from '../shared/bundle/version.js';
import { EXIT_TOOL_ERROR } from './exit-codes.js';
import { registerCommands } from './commands/index.js';

/** The program with the commands `argv` needs registered (see commands/index.ts: they load on demand). */
export async function buildProgram(setExitCode: (code: number) => void, argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command();
  program
    .name(process.argv[1]?.includes('kubectl-cni_evidence') ? 'kubectl cni-evidence' : 'cni-evidence')
    .description('Collect and analyze the evidence behind stuck pod sandboxes and CNI failures.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  await registerCommands(program, setExitCode, argv);
  return program;
}

export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isCniEvidenceError(error)) {
    stderr.write(`error: ${error.message}\n`);
    stderr.write(`hint: ${error.hint}\n`);
    return EXIT_TOOL_ERROR;
  }
  const debug = process.env.CNI_EVIDENCE_DEBUG === '1';
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ${message}\n`);
  stderr.write('hint: this looks like a bug in cni-evidence; please report it with the command you ran' + (debug ? '\n' : ' (set CNI_EVIDENCE_DEBUG=1 for details)\n'));
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return EXIT_TOOL_ERROR;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    const program = await buildProgram((code) => {
      exitCode = code;
    }, argv);
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      if (error.exitCode === 0) return 0;
      return EXIT_TOOL_ERROR;
    }
    return reportError(error);
  }
}

export function usageError(message: string, hint: string): CniEvidenceError {
  return new CniEvidenceError({ code: ERROR_CODES.USAGE, message, hint });
}
