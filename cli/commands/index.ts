/**
 * The subcommands, loaded on demand: each module pulls in its whole implementation (the analyzer
 * and its rules, the bundle writer, the Kubernetes client for collect), so only the command that
 * runs is imported. `--help`, `help` and anything unrecognized load all of them, so the help lists
 * every command and commander's "did you mean" still works.
 */
import type { Command } from 'commander';

type Register = (program: Command, setExitCode: (code: number) => void) => void;

/** In the order `--help` lists them. */
const COMMANDS: ReadonlyArray<{ name: string; load: () => Promise<Register> }> = [
  { name: 'analyze', load: async () => (await import('./analyze.js')).registerAnalyze },
  { name: 'pack', load: async () => (await import('./pack.js')).registerPack },
  { name: 'inspect', load: async () => (await import('./inspect.js')).registerInspect },
  { name: 'redact', load: async () => (await import('./redact.js')).registerRedact },
  { name: 'deobfuscate', load: async () => (await import('./deobfuscate.js')).registerDeobfuscate },
  { name: 'collect', load: async () => (await import('./collect.js')).registerCollect },
  { name: 'merge', load: async () => (await import('./merge.js')).registerMerge },
  { name: 'rules', load: async () => (await import('./rules.js')).registerRules },
];

/**
 * The subcommand `argv` (process.argv: node, script, args…) asks for, or null when it names none
 * (`--help`, `--version`, nothing) or one we do not know. The program has no options that take a
 * value, so the first argument not starting with `-` is the command; `help <cmd>` asks for <cmd>.
 */
export function requestedCommand(argv: readonly string[]): string | null {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  let name = words[0];
  if (name === 'help') name = words[1];
  return COMMANDS.some((c) => c.name === name) ? name! : null;
}

/** Registers the command `argv` asks for, or every command when it asks for none in particular. */
export async function registerCommands(program: Command, setExitCode: (code: number) => void, argv: readonly string[] = process.argv): Promise<void> {
  const wanted = requestedCommand(argv);
  const args = argv.slice(2);
  // `--version` alone needs no command at all.
  const versionOnly = wanted === null && args.length > 0 && args.every((a) => a === '-V' || a === '--version');
  const chosen = versionOnly ? [] : wanted === null ? COMMANDS : COMMANDS.filter((c) => c.name === wanted);
  const registers = await Promise.all(chosen.map((c) => c.load()));
  for (const register of registers) register(program, setExitCode);
}
