import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/bundle/manifest-schema.js';

describe('docs/manifest.schema.json', () => {
  it('is the schema the code validates with (regenerate: see docs/bundle-format.md)', async () => {
    const onDisk = JSON.parse(await readFile(new URL('../../docs/manifest.schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifestSchema)));
  });
});
