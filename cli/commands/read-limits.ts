import { InvalidArgumentError, type Command } from 'commander';
import type { ReadLimits } from '../../shared/bundle/safety.js';

export interface ReadLimitFlags {
  limits: Partial<ReadLimits>;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return number;
}

/** The tar-bomb limits, adjustable for genuinely huge bundles. */
export function readLimitOptions(command: Command): Command {
  return command
    .option('--max-entry-bytes <n>', 'refuse a bundle with a file larger than this (default 8 GiB)', positiveInteger)
    .option('--max-total-bytes <n>', 'refuse a bundle that unpacks to more than this (default 32 GiB)', positiveInteger)
    .option('--max-entries <n>', 'refuse a bundle with more files than this (default 200000)', positiveInteger)
    .hook('preAction', (_this, action) => {
      const o = action.opts<{ maxEntryBytes?: number; maxTotalBytes?: number; maxEntries?: number }>();
      const limits: Partial<ReadLimits> = {};
      if (o.maxEntryBytes) limits.maxEntryBytes = o.maxEntryBytes;
      if (o.maxTotalBytes) limits.maxTotalBytes = o.maxTotalBytes;
      if (o.maxEntries) limits.maxEntries = o.maxEntries;
      action.setOptionValue('limits', limits);
    });
}
