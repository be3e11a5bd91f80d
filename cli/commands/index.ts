import type { Command } from 'commander';
import { registerInspect } from './inspect.js';
import { registerPack } from './pack.js';

export function registerCommands(program: Command, setExitCode: (code: number) => void): void {
  registerPack(program, setExitCode);
  registerInspect(program, setExitCode);
}
