import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder removed after the test file, whatever happens. */
export async function tempDir(prefix = 'cni-evidence-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}
