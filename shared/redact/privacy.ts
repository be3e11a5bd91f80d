/**
 * What `collect` needs for redaction by default, `--no-redact`, and `--obfuscate`: the writer
 * options for the collection itself, and the step that pseudonymizes the finished bundle (names
 * are only known once the cluster objects and node files are in, so pseudonymization is a
 * rewrite of the collected bundle, from a temporary file that is then removed).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Manifest } from '../bundle/manifest-schema.js';
import type { ContentFilter } from '../bundle/writer.js';
import { defaultKeyFile } from '../obfuscate/key.js';
import { prepareObfuscation, type ObfuscationSetup } from '../obfuscate/obfuscator.js';
import { createRedactionFilter } from './filter.js';
import { redactBundle, type RedactBundleResult } from './redact-bundle.js';

export interface PrivacyFlags {
  /** commander's `--no-redact` makes this false; default true. */
  redact?: boolean;
  obfuscate?: boolean;
  obfuscationKeyFile?: string;
  /** Where the mapping table goes (default: beside the key). */
  mapping?: string;
}

export interface CollectionPrivacy {
  /** For BundleWriter.create / collectNode: `redaction` and `filter`. */
  writer: { redaction: Manifest['redaction']; filter?: ContentFilter };
  /** The path to collect into: the output itself, or a temporary file beside it when pseudonymizing. */
  collectTo: string;
  obfuscation: ObfuscationSetup | null;
  /** Pseudonymizes the collected bundle into the output and removes the temporary one; a no-op otherwise. */
  finish(): Promise<RedactBundleResult | null>;
  /** Removes the temporary bundle after a failed collection. */
  discard(): Promise<void>;
}

/**
 * Call before collecting: a bad key file fails here, before minutes of collection are spent.
 * `output` is the bundle path the user asked for.
 */
export async function collectionPrivacy(output: string, flags: PrivacyFlags, options: { overwrite?: boolean } = {}): Promise<CollectionPrivacy> {
  const redact = flags.redact !== false;
  const obfuscation = flags.obfuscate
    ? await prepareObfuscation({ keyFile: flags.obfuscationKeyFile ?? defaultKeyFile(), ...(flags.mapping ? { mappingFile: flags.mapping } : {}) })
    : null;
  const writer = { redaction: { enabled: redact }, ...(redact ? { filter: createRedactionFilter() } : {}) };
  if (!obfuscation) {
    return { writer, collectTo: output, obfuscation: null, finish: async () => null, discard: async () => {} };
  }
  const absolute = resolve(output);
  const collectTo = join(dirname(absolute), `.${basename(absolute)}.unpseudonymized-${randomBytes(4).toString('hex')}.tgz`);
  return {
    writer,
    collectTo,
    obfuscation,
    async finish() {
      try {
        // Already redacted during collection; this pass only pseudonymizes (redaction is idempotent anyway).
        return await redactBundle(collectTo, absolute, { redact, obfuscation, overwrite: options.overwrite === true });
      } finally {
        await rm(collectTo, { force: true });
      }
    },
    async discard() {
      await rm(collectTo, { force: true });
    },
  };
}
