/**
 * Documents inside a line: a JSON string whose content is itself a document (a ConfigMap value
 * holding YAML, the last-applied-configuration annotation holding the object as JSON, a GCP key
 * file in an env var), and base64 JSON (libcni's result cache keeps the network config as base64
 * in `config`). Redaction and pseudonymization both look inside, or a secret or an address in
 * the cached config would pass unseen.
 */

const MAX_NESTED_CHARS = 1024 * 1024;
const JSON_STRING = /"((?:[^"\\]|\\.)*)"/g;
const BASE64_JSON_VALUE = /(:\s*")([A-Za-z0-9+/]{24,}={0,2})(")/g;

/**
 * A line holds an escaped document only if it has a `\n` escape, or a string that opens with
 * `[` or `{` (after spaces): the condition below, on the raw line.
 */
const MAYBE_ESCAPED_DOCUMENT = /\\n|"\s*[[{]/;
/**
 * The first base64 digit of a document that starts with `{` or `[` after spaces: it encodes the
 * top six bits of the first byte, which is `{` (e), `[` (W), an ASCII space (C, D, I) or the lead
 * byte of a Unicode space in UTF-8 (0xC2 w, 0xE1–0xE3 4, 0xEF 7). `test/redact/prefilter.test.ts`
 * checks this against every space JavaScript's trimStart removes.
 */
export const DOCUMENT_BASE64_FIRST = 'CDIWew47';
const MAYBE_BASE64_DOCUMENT = new RegExp(String.raw`:\s*"[${DOCUMENT_BASE64_FIRST}][A-Za-z0-9+/]{23}`);

/**
 * The same two conditions for the prefilter that reads raw bytes as Latin-1, where a UTF-8 space
 * is 2–3 characters in \x80-\xff (see RuleTrigger in rule.ts): a line that matches neither has no
 * nested document to rewrite.
 */
export const NESTED_TRIGGER_SOURCES: readonly string[] = [
  String.raw`\\n`,
  String.raw`"[\t\v\f\r \x80-\xff]*[[{]`,
  String.raw`:[\t\v\f\r \x80-\xff]*"[${DOCUMENT_BASE64_FIRST}][A-Za-z0-9+/]{23}`,
];

export type TextRewriter = (text: string) => string;

/** Rewrites the inside of escaped JSON strings (those with `\n` or `\"`) with `inner`, re-encoding only what changed. */
export function rewriteEscapedStrings(line: string, inner: TextRewriter): string {
  if (!line.includes('\\') || !MAYBE_ESCAPED_DOCUMENT.test(line)) return line;
  return line.replace(JSON_STRING, (all, body: string) => {
    // Only documents: several lines, or JSON. An escaped log message is one line, and the line rules see it already.
    if (body.length > MAX_NESTED_CHARS || !(body.includes('\\n') || (body.includes('\\"') && /^\s*[[{]/.test(body)))) return all;
    let decoded: string;
    try {
      decoded = JSON.parse(all) as string;
    } catch {
      // Go's %q escapes (\x00, \u{...}) are not JSON; such strings are left to the line rules.
      return all;
    }
    const rewritten = inner(decoded);
    return rewritten === decoded ? all : JSON.stringify(rewritten);
  });
}

function decodedJsonText(b64: string): string | null {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return null;
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD')) return null;
  const first = text.trimStart()[0];
  return first === '{' || first === '[' ? text : null;
}

/** Rewrites base64-encoded JSON documents that are JSON values (`"config": "eyJj…"`). */
export function rewriteBase64Json(line: string, inner: TextRewriter): string {
  if (!line.includes('"') || !MAYBE_BASE64_DOCUMENT.test(line)) return line;
  return line.replace(BASE64_JSON_VALUE, (all, head: string, b64: string, tail: string) => {
    if (b64.length > MAX_NESTED_CHARS) return all;
    const text = decodedJsonText(b64);
    if (text === null) return all;
    const rewritten = inner(text);
    return rewritten === text ? all : `${head}${Buffer.from(rewritten, 'utf8').toString('base64')}${tail}`;
  });
}
