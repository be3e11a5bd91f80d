/**
 * Whether a key, variable or flag name announces a secret value. Deliberately word-based rather
 * than substring-based: `monkey`, `tokenizer` and a toleration's bare `key` are not secrets, while
 * `AWS_SECRET_ACCESS_KEY`, `client-key-data`, `dbPassword` and `tls.key` are. Names that only
 * *refer* to a secret (`secretName`, `passwordFile`, `secretKeyRef`, `tokenPath`) are not
 * sensitive: their values are references the diagnosis may need, not the secret.
 */

const SECRET_WORDS = new Set([
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials',
  'apikey', 'privatekey', 'authorization', 'signature', 'sas', 'accesskey', 'secretkey', 'clientsecret',
]);
const KEY_WORDS = new Set(['key', 'keys']);
/** A compound with "key" is a secret when the key is the last word (`tls.key`) or it says whose key (`client-key-data`). */
const KEY_QUALIFIERS = new Set([
  'private', 'secret', 'access', 'api', 'client', 'account', 'storage', 'encryption', 'master', 'signing', 'tls', 'ssl', 'ssh', 'shared',
  'session', 'auth', 'etcd', 'sa', 'gpg', 'pgp', 'rsa', 'ecdsa', 'ed25519', 'license', 'webhook', 'hmac', 'cluster', 'bootstrap',
]);
/** A trailing word that turns a secret-sounding name into a reference or a setting. */
const REFERENCE_WORDS = new Set([
  'name', 'names', 'ref', 'refs', 'reference', 'file', 'files', 'path', 'paths', 'dir', 'directory', 'id', 'ids', 'type', 'kind',
  'mode', 'length', 'size', 'count', 'seconds', 'ttl', 'expiration', 'expiry', 'expires', 'enabled', 'disabled', 'required',
  'optional', 'namespace', 'format', 'version', 'algorithm', 'usage', 'usages', 'provider', 'source', 'url', 'uri', 'endpoint',
  'endpoints', 'audience', 'audiences', 'issuer', 'header', 'prefix', 'field', 'policy', 'rotation', 'lifetime', 'duration',
  'period', 'interval', 'timeout', 'store', 'selector', 'volume', 'mount', 'annotation', 'label', 'hash', 'generation', 'data-ref',
  'secretkeyref', 'keyref', 'items', 'status', 'valid', 'age', 'count', 'limit', 'max', 'min', 'request', 'requests', 'retries',
]);

/** Every sensitive name contains one of these: a cheap test before any pair matching. */
export const MAYBE_SENSITIVE_WORDS: readonly string[] = ['pass', 'pwd', 'secret', 'token', 'credential', 'key', 'auth', 'signature', 'sas'];
export const MAYBE_SENSITIVE = new RegExp(MAYBE_SENSITIVE_WORDS.join('|'), 'i');

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

export interface SensitiveNameOptions {
  /** A bare `key` is sensitive (query strings: `?key=AIza…`), where a bare YAML `key:` is a toleration's. */
  bareKey?: boolean;
}

export function isSensitiveName(name: string, options: SensitiveNameOptions = {}): boolean {
  if (name.length === 0 || name.length > 128) return false;
  const words = nameWords(name);
  if (words.length === 0) return false;
  const last = words[words.length - 1]!;
  if (REFERENCE_WORDS.has(last)) return false;
  if (words[0] === 'public' || words.includes('public')) return false;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  if (words.some((w) => KEY_WORDS.has(w))) {
    if (words.length === 1) return options.bareKey === true;
    return KEY_WORDS.has(last) || words.some((w) => KEY_QUALIFIERS.has(w));
  }
  return false;
}

/**
 * Values that are not secrets even under a secret-sounding name: nothing, booleans, numbers,
 * paths (`etcd_key_file`-style settings), variable references, placeholders the tooling prints
 * instead of the value, and values already redacted.
 */
export function isHarmlessValue(raw: string): boolean {
  const value = raw.trim().replace(/^(["'])(.*)\1$/, '$2').trim();
  if (value === '' || value === 'null' || value === '~' || value === '-' || value === '""' || value === "''") return true;
  if (/^(true|false|yes|no|on|off|none|<none>|nil|undefined|REDACTED|\*+|x+)$/i.test(value)) return true;
  if (/^-?\d+(\.\d+)?$/.test(value)) return true;
  if (value.includes('<redacted:')) return true;
  if (/^<set to the key /.test(value) || /^<[a-z ]+>$/.test(value)) return true;
  if (/^(\/|\.\/|~\/)[^\s]*$/.test(value) && !/[?@]/.test(value)) return true;
  if (/^[A-Za-z]:\\[^\s]*$/.test(value)) return true;
  if (/^\$[({]?[A-Za-z_][A-Za-z0-9_]*[)}]?$/.test(value)) return true;
  return false;
}
