import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeInSlices } from '../../cli/commands/analyze.js';
import { tempDir } from '../helpers/tmp.js';

describe('analyze -o writes the report a slice at a time', () => {
  it.each([
    ['a surrogate pair across the 1 MiB boundary', `${'a'.repeat((1 << 20) - 1)}😀b`],
    ['several slices of mixed text', `${'é€😀x'.repeat(700_000)}\n`],
    ['an empty report', ''],
  ])('%s: the file holds exactly the UTF-8 of the text', async (_name, text) => {
    const file = join(await tempDir('cni-evidence-write-'), 'report.json');
    await writeInSlices(file, text);
    expect((await readFile(file)).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });
});
