import { isHarmlessValue, isSensitiveName, MAYBE_SENSITIVE, MAYBE_SENSITIVE_WORDS } from '../names.js';
import { redactPairs } from '../pairs.js';
import { defineRule, marker, statefulRedactor, type Hit } from '../rule.js';

const ID = 'env-and-config-by-name';

/** `{"name": "DB_PASSWORD", "value": "…"}` and CRI's `{"key": …, "value": …}` on one line. */
const JSON_ENV = /("(?:name|key)"\s*:\s*"([^"\\]{1,128})"\s*,\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)(")/g;
/** containerd/CRI Go printing: `&KeyValue{Key:DB_PASSWORD,Value:hunter2,}`. */
const GO_ENV = /(Key:([A-Za-z_][A-Za-z0-9_.-]{0,127}),Value:)([^,}]*)/g;
/** The line that names a variable whose value comes on a following line (pretty JSON, YAML). */
const NAME_LINE = /^\s*(?:-\s+)?(?:"name"|name|"key"|key)\s*:\s*["']?([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?\s*,?\s*$/;
const VALUE_LINE_JSON = /^(\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)(".*)$/;
const VALUE_LINE_YAML = /^(\s*(?:-\s+)?value:[ \t]+)(.*?)([ \t]*)$/;
const BLOCK_START = /^(\s*)(?:-\s+)?["']?([^\s"'#:][^\s"':]{0,127}?)["']?:[ \t]+[|>][-+0-9]*[ \t]*$/;

export default defineRule({
  id: ID,
  description:
    'Values whose name says password, passwd, secret, token, credential, apikey, private key, or "key" in a compound name (db-password, AWS_SECRET_ACCESS_KEY, client-key-data, tls.key): env vars in pod JSON and YAML (name on one line, value on the next), kubectl describe env lines, ConfigMap data keys and the YAML/JSON documents inside their values, NAME=value env files and logfmt, TOML, --flag=value, Go-printed structs, and YAML block scalars (key: |). Names that only refer to a secret (secretName, passwordFile, secretKeyRef, tokenPath) and harmless values (paths, booleans, numbers, $(VAR) references) stay.',
  trigger: { anyCase: MAYBE_SENSITIVE_WORDS },
  create() {
    /** Lines left in which a `value` belongs to the sensitive name seen above. */
    let pendingValue = 0;
    /** Indentation of a sensitive `key: |` block; its more-indented lines are the secret. */
    let blockIndent: number | null = null;
    const redact = (line: string, hit: Hit): string => {
      if (blockIndent !== null) {
        const indent = /^\s*/.exec(line)![0].length;
        if (line.trim() === '') return line;
        // A PEM block inside the scalar was already handled by pem-private-key: keep its frame.
        if (indent > blockIndent && (line.includes('-----BEGIN') || line.includes('-----END') || line.includes('<redacted:'))) return line;
        if (indent > blockIndent) {
          hit();
          return `${line.slice(0, indent)}${marker(ID)}`;
        }
        blockIndent = null;
      }
      if (pendingValue > 0) {
        pendingValue -= 1;
        const json = VALUE_LINE_JSON.exec(line);
        if (json) {
          pendingValue = 0;
          if (isHarmlessValue(json[2]!)) return line;
          hit();
          return `${json[1]}${marker(ID)}${json[3]}`;
        }
        const yaml = VALUE_LINE_YAML.exec(line);
        if (yaml) {
          pendingValue = 0;
          if (isHarmlessValue(yaml[2]!) || /^[|>{[]/.test(yaml[2]!)) return line;
          hit();
          const quote = /^["']/.exec(yaml[2]!)?.[0] ?? '';
          return `${yaml[1]}${quote}${marker(ID)}${quote}${yaml[3]}`;
        }
        if (/[}\]]/.test(line) || /^\s*-\s/.test(line)) pendingValue = 0;
      }
      if (!MAYBE_SENSITIVE.test(line)) return line;
      const named = NAME_LINE.exec(line);
      if (named && isSensitiveName(named[1]!)) {
        pendingValue = 3;
        return line;
      }
      const block = BLOCK_START.exec(line);
      if (block && isSensitiveName(block[2]!)) {
        blockIndent = block[1]!.length;
        return line;
      }
      let out = line;
      if (out.includes('"value"')) {
        out = out.replace(JSON_ENV, (all, head: string, name: string, value: string, tail: string) => {
          if (!isSensitiveName(name) || isHarmlessValue(value)) return all;
          hit();
          return `${head}${marker(ID)}${tail}`;
        });
      }
      if (out.includes('Key:')) {
        out = out.replace(GO_ENV, (all, head: string, name: string, value: string) => {
          if (!isSensitiveName(name) || isHarmlessValue(value)) return all;
          hit();
          return `${head}${marker(ID)}`;
        });
      }
      return redactPairs(out, (name) => isSensitiveName(name), ID, hit);
    };
    return statefulRedactor(redact, () => pendingValue === 0 && blockIndent === null);
  },
});
