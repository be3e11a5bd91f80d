import type { CommandArg, NodeRecipeOptions } from '../define.js';
import { HOST_ROOT } from '../define.js';

/**
 * journalctl for one unit, current boot, bounded by lines and --since. An offline journal (file or
 * folder) wins; otherwise, under --host-root, `--root` makes journalctl read the host's journal
 * files instead of the (usually empty) journal of the debug container it runs in.
 */
export function journalArgv(unit: string, options: NodeRecipeOptions): CommandArg[] {
  const where: CommandArg[] = options.journalFile
    ? ['--file', options.journalFile]
    : options.journalDirectory
      ? ['--directory', options.journalDirectory]
      : [{ ifHostRoot: ['--root', HOST_ROOT] }];
  return [
    'journalctl',
    ...where,
    '-u',
    unit,
    '-b',
    '--no-pager',
    '-o',
    'short-iso',
    '-n',
    String(options.tailLines),
    ...(options.since ? ['--since', options.since] : []),
  ];
}
