/**
 * `cni-evidence deobfuscate`: turns a report written against a pseudonymized bundle back into
 * the customer's real node, pod and namespace names and addresses. Names come from the mapping
 * table; an address the table lacks (a network the analyzer computed, say) is inverted with the
 * key when it is given. Text, Markdown, JSON and HTML reports are all plain text to this.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import { rewriteText } from '../redact/lines.js';
import { AddressMapper } from './ip.js';
import { loadOrCreateKey } from './key.js';
import { readMapping, type MappingFile } from './mapping.js';
import { TextMapper } from './text.js';

export interface Deobfuscator {
  text(text: string): string;
}

export function createDeobfuscator(mapping: MappingFile, key?: Buffer): Deobfuscator {
  const names = new Map(mapping.names.map((e) => [e.pseudonym, e.real]));
  const addresses = new Map(mapping.addresses.map((a) => [a.pseudonym, a.real]));
  // Without the key no address can be computed; the table alone answers.
  const mapper = new TextMapper(new AddressMapper(key ?? Buffer.alloc(32)), (label) => names.get(label), 'unmap', addresses, key !== undefined);
  return { text: (text) => rewriteText(text, (line) => mapper.line(line)) };
}

export interface DeobfuscateFileOptions {
  mappingFile: string;
  keyFile?: string;
  /** Where to write; undefined returns the text only. */
  output?: string;
}

export async function deobfuscateReport(report: string, options: DeobfuscateFileOptions): Promise<{ text: string; mapping: MappingFile; usedKey: boolean }> {
  const mapping = (await readMapping(options.mappingFile, { mustExist: true }))!;
  let key: Buffer | undefined;
  if (options.keyFile !== undefined) {
    const loaded = await loadOrCreateKey(options.keyFile, { create: false });
    if (loaded.keyId !== mapping.keyId) {
      throw new CniEvidenceError({
        code: ERROR_CODES.KEY_INVALID,
        message: `${options.keyFile} (key ${loaded.keyId}) did not make ${options.mappingFile} (key ${mapping.keyId})`,
        hint: 'Pass the key file the mapping was written beside, or leave --obfuscation-key-file out to use the table alone.',
        file: options.keyFile,
      });
    }
    key = loaded.key;
  }
  const text = createDeobfuscator(mapping, key).text(report);
  if (options.output !== undefined) {
    try {
      await writeFile(options.output, text);
    } catch (error) {
      throw new CniEvidenceError({
        code: ERROR_CODES.OUTPUT_UNWRITABLE,
        message: `cannot write ${options.output}: ${(error as Error).message}`,
        hint: 'Pick a writable path for -o, or leave -o out to print to stdout.',
        file: options.output,
        cause: error,
      });
    }
  }
  return { text, mapping, usedKey: key !== undefined };
}

export async function readReport(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CniEvidenceError({
      code: ERROR_CODES.BUNDLE_NOT_FOUND,
      message: `cannot read the report ${path}: ${(error as Error).message}`,
      hint: 'Pass the report file written by `cni-evidence analyze -o` against the pseudonymized bundle (or - for stdin).',
      file: path,
      cause: error,
    });
  }
}
