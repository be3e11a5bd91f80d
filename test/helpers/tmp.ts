import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made = new Set<string>();

// Registered while the test file is collected (this module is imported at its top). A hook
// registered from inside a test or a beforeAll is not run by vitest, which is how five thousand
// folders of kit bundles once piled up in /tmp.
afterAll(async () => {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp folder removed after the test file, whatever happens. */
export async function tempDir(prefix = 'cni-evidence-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
