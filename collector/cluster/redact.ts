/**
 * ConfigMap redaction by key name, until the full redaction engine lands: a data key, or a
 * `name: value` / `"name": "value"` / `name=value` pair inside a value, whose name has a word
 * like password, secret, token, key or credential gets its value replaced by REDACTED. CIDRs,
 * backends, MTUs and plugin lists (what the analyzer needs) have no such names and stay.
 */

export const REDACTED = 'REDACTED';
export const CONFIGMAP_RULE = 'configmap-key-name';

const SENSITIVE_WORDS = new Set(['password', 'passwd', 'pwd', 'secret', 'secrets', 'token', 'tokens', 'key', 'keys', 'apikey', 'credential', 'credentials', 'privatekey', 'passphrase']);

/** True for names like `apiToken`, `etcd-key`, `AWS_SECRET_ACCESS_KEY`, `tokenFile`. */
export function isSensitiveName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  return words.some((w) => SENSITIVE_WORDS.has(w));
}

// `  name: value`, `- name: value`, `"name": "value",`, `name=value`, `export NAME="value"`.
const PAIR = /^(\s*(?:-\s+)?(?:export\s+)?["']?)([A-Za-z0-9_.\-]+)(["']?\s*[:=]\s*)(.*?)(\s*)$/;

function redactLine(line: string): { line: string; hit: boolean } {
  const m = PAIR.exec(line);
  if (!m) return { line, hit: false };
  const [, lead, name, sep, value, tail] = m as unknown as [string, string, string, string, string, string];
  if (!isSensitiveName(name) || value === '' || /^[{[|>]/.test(value) || value === 'null' || value === '""' || value === "''") return { line, hit: false };
  // Keep the JSON or YAML shape around the value: quotes and a trailing comma.
  const quoted = /^(["'])(.*)\1(,?)$/.exec(value);
  const replaced = quoted ? `${quoted[1]}${REDACTED}${quoted[1]}${quoted[3]}` : value.endsWith(',') ? `${REDACTED},` : REDACTED;
  return { line: `${lead}${name}${sep}${replaced}${tail}`, hit: true };
}

/** Redacts pairs inside a text value; returns the text and how many values were replaced. */
export function redactText(text: string): { text: string; count: number } {
  let count = 0;
  const out = text.split('\n').map((line) => {
    const r = redactLine(line);
    if (r.hit) count += 1;
    return r.line;
  });
  return { text: out.join('\n'), count };
}

export interface RedactedConfigMap {
  object: Record<string, unknown>;
  count: number;
}

/** A copy of the ConfigMap with sensitive values replaced (data, binaryData, and the last-applied copy). */
export function redactConfigMap(configMap: Record<string, unknown>): RedactedConfigMap {
  const object = structuredClone(configMap);
  let count = 0;
  const redactData = (data: unknown): void => {
    if (!data || typeof data !== 'object') return;
    const map = data as Record<string, unknown>;
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'string') continue;
      if (isSensitiveName(key)) {
        if (value !== '') {
          map[key] = REDACTED;
          count += 1;
        }
        continue;
      }
      const r = redactText(value);
      if (r.count > 0) {
        map[key] = r.text;
        count += r.count;
      }
    }
  };
  redactData(object.data);
  redactData(object.binaryData);
  const annotations = (object.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
  const lastApplied = annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (annotations && lastApplied !== undefined) {
    // The last-applied annotation repeats the whole data: redact it the same way, or drop it.
    try {
      const applied = JSON.parse(lastApplied) as Record<string, unknown>;
      const inner = redactConfigMap(applied);
      annotations['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify(inner.object);
      count += inner.count;
    } catch {
      annotations['kubectl.kubernetes.io/last-applied-configuration'] = REDACTED;
      count += 1;
    }
  }
  return { object, count };
}
