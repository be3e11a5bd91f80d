import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import { MANIFEST_PATH } from './paths.js';
import { readBundle, type BundleReadResult, type ReadOptions } from './reader.js';

/**
 * Unpacks a bundle into `destination/<top folder>/`. Every path was checked by the reader before
 * its bytes arrive; the resolve() check below is a second fence, not the first.
 */
export async function extractBundle(location: string, destination: string, options: ReadOptions = {}): Promise<BundleReadResult> {
  const root = resolve(destination);
  let base = root;
  const result = await readBundle(location, {
    async onManifest(manifest, { topFolder }) {
      base = topFolder === '.' ? root : join(root, topFolder);
      await mkdir(base, { recursive: true });
      await writeFile(join(base, MANIFEST_PATH), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    },
    async onFile(file, content) {
      const target = resolve(base, file.path);
      if (!target.startsWith(base + sep)) {
        throw new CniEvidenceError({ code: ERROR_CODES.UNSAFE_PATH, message: `unsafe path ${file.path} in ${location}`, hint: 'Ask for a bundle made by cni-evidence.', file: location });
      }
      await mkdir(dirname(target), { recursive: true });
      await pipeline(content, createWriteStream(target, { flags: 'wx' }));
    },
  }, options);
  return result;
}
