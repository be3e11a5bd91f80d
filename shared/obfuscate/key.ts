/**
 * The pseudonymization key: 32 random bytes, hex, in a file only its owner can read. It never
 * enters a bundle; its fingerprint (keyId) does, so a support engineer can tell that two bundles
 * were pseudonymized with one key (and so share one mapping) without learning anything about it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';

export const KEY_BYTES = 32;

export interface ObfuscationKey {
  key: Buffer;
  keyId: string;
  file: string;
  /** True when this call made the file. */
  created: boolean;
  /** Set when group or others can read the key file. */
  warning?: string;
}

export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('cni-evidence obfuscation key id').digest('hex').slice(0, 16);
}

/** Where the key lives when no --obfuscation-key-file is given: per user, outside any bundle folder. */
export function defaultKeyFile(): string {
  const base = process.env.XDG_CONFIG_HOME && process.env.XDG_CONFIG_HOME !== '' ? process.env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'cni-evidence', 'obfuscation.key');
}

/** The mapping table's default place: beside the key, never beside the bundle. */
export function defaultMappingFile(keyFile: string): string {
  return `${resolve(keyFile)}.mapping.json`;
}

function invalid(file: string, why: string): CniEvidenceError {
  return new CniEvidenceError({
    code: ERROR_CODES.KEY_INVALID,
    message: `${file} is not a cni-evidence obfuscation key: ${why}`,
    hint: `A key file holds 64 hex digits (32 bytes), as cni-evidence writes it. Point --obfuscation-key-file at the key used for this cluster's earlier bundles, or at a path that does not exist yet to make a new key there.`,
    file,
  });
}

export function parseKey(text: string, file: string): Buffer {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]+$/.test(trimmed)) throw invalid(file, 'it is not hex');
  if (trimmed.length !== KEY_BYTES * 2) throw invalid(file, `it has ${trimmed.length} hex digits, not ${KEY_BYTES * 2}`);
  return Buffer.from(trimmed, 'hex');
}

/** Reads the key, or creates it (mode 0600, in a 0700 folder when the folder is new) if the file does not exist. */
export async function loadOrCreateKey(file: string, options: { create?: boolean } = {}): Promise<ObfuscationKey> {
  const path = resolve(file);
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  if (existing === null) {
    if (options.create === false) {
      throw new CniEvidenceError({
        code: ERROR_CODES.KEY_INVALID,
        message: `no obfuscation key at ${file}`,
        hint: 'Pass the --obfuscation-key-file that was used when the bundle was pseudonymized.',
        file,
      });
    }
    const key = randomBytes(KEY_BYTES);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite a key another process made in the meantime.
    const handle = await open(path, 'wx', 0o600).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return null;
      throw new CniEvidenceError({
        code: ERROR_CODES.KEY_INVALID,
        message: `cannot create the obfuscation key ${file}: ${error.message}`,
        hint: 'Choose a writable place for --obfuscation-key-file (it must stay with you, outside the bundle).',
        file,
        cause: error,
      });
    });
    if (handle === null) return loadOrCreateKey(file, options);
    try {
      await handle.writeFile(`${key.toString('hex')}\n`);
    } finally {
      await handle.close();
    }
    await chmod(path, 0o600);
    return { key, keyId: keyIdOf(key), file: path, created: true };
  }
  if (!existing.isFile()) throw invalid(file, 'it is not a regular file');
  if (existing.size > 1024) throw invalid(file, `it is ${existing.size} bytes long`);
  const key = parseKey(await readFile(path, 'latin1'), file);
  const result: ObfuscationKey = { key, keyId: keyIdOf(key), file: path, created: false };
  if ((existing.mode & 0o077) !== 0) result.warning = `${file} can be read by other users (mode ${(existing.mode & 0o777).toString(8)}); chmod 600 it`;
  return result;
}
