/**
 * The mapping table (real ↔ pseudonym) that stays with the customer beside the key. It grows
 * across bundles of one cluster: the second bundle reuses the first one's pseudonyms, and
 * `deobfuscate` needs only this file to turn a report back into real names (addresses it has
 * never seen need the key as well).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import type { MappingEntry, NameKind } from './names.js';

export const MAPPING_FORMAT = 'cni-evidence-mapping/1';

export interface MappingFile {
  format: typeof MAPPING_FORMAT;
  keyId: string;
  updatedAt: string;
  /** The bundles pseudonymized with this table (the customer's paths, never shared). */
  bundles: { output: string; createdAt: string; writtenAt: string }[];
  names: MappingEntry[];
  addresses: { real: string; pseudonym: string }[];
}

const KINDS: readonly NameKind[] = ['node', 'host', 'namespace', 'workload', 'pod', 'container', 'domain', 'context'];

function invalid(file: string, why: string, cause?: unknown): CniEvidenceError {
  return new CniEvidenceError({
    code: ERROR_CODES.MAPPING_INVALID,
    message: `${file} is not a cni-evidence mapping file: ${why}`,
    hint: 'Pass the .mapping.json written next to the obfuscation key when the bundle was pseudonymized (cni-evidence redact --obfuscate or collect --obfuscate print its path).',
    file,
    cause,
  });
}

export function emptyMapping(keyId: string): MappingFile {
  return { format: MAPPING_FORMAT, keyId, updatedAt: new Date().toISOString(), bundles: [], names: [], addresses: [] };
}

export async function readMapping(file: string, options: { mustExist?: boolean } = {}): Promise<MappingFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.mustExist) return null;
    throw invalid(file, (error as Error).message, error);
  }
  let data: Partial<MappingFile>;
  try {
    data = JSON.parse(text) as Partial<MappingFile>;
  } catch (error) {
    throw invalid(file, 'it is not JSON', error);
  }
  if (data.format !== MAPPING_FORMAT) throw invalid(file, `format is ${JSON.stringify(data.format)}, expected ${MAPPING_FORMAT}`);
  if (typeof data.keyId !== 'string' || !Array.isArray(data.names) || !Array.isArray(data.addresses)) throw invalid(file, 'keyId, names or addresses is missing');
  const names = data.names.filter(
    (e): e is MappingEntry => !!e && typeof e.real === 'string' && typeof e.pseudonym === 'string' && KINDS.includes(e.kind),
  );
  const addresses = data.addresses.filter((a) => !!a && typeof a.real === 'string' && typeof a.pseudonym === 'string');
  return { format: MAPPING_FORMAT, keyId: data.keyId, updatedAt: String(data.updatedAt ?? ''), bundles: Array.isArray(data.bundles) ? data.bundles : [], names, addresses };
}

/** Written to a temporary file (0600) and renamed, so a crash never leaves half a table. */
export async function writeMapping(file: string, mapping: MappingFile): Promise<void> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(mapping, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  try {
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
