/**
 * YAML for the rules. The only YAML a bundle holds is kubeadm's ClusterConfiguration, and the yaml
 * package is ~80 CommonJS files: loading it and its first parse cost 60-100 ms of start-up, more
 * than reading a small bundle. So:
 *
 * - kubeadm writes that document in a tiny, regular subset of YAML (block mappings of plain keys,
 *   plain scalars, `{}`); `simpleYaml` reads exactly that subset and answers NOT_SIMPLE for
 *   anything else, without guessing;
 * - everything else goes to the yaml package, loaded on first use (require() resolves 'yaml' to the
 *   same file as `import` does, its "node" export). A bundle without kubeadm-config never loads it.
 *
 * test/analyzer/rules/lib/yaml.test.ts holds the subset reader to the yaml package: whatever it
 * accepts, yaml.parse returns the same value for (and does not throw on).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let yamlParse: typeof Yaml.parse | undefined;

/** yaml's parse(text): the same value, and it throws on invalid YAML, like the package. */
export function parseYaml(text: string): unknown {
  const simple = simpleYaml(text);
  if (simple !== NOT_SIMPLE) return simple;
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof Yaml).parse;
  return yamlParse(text);
}

export const NOT_SIMPLE: unique symbol = Symbol('not simple YAML');

type Value = string | null | Record<string, unknown> | unknown[];

/** `key:` (a nested mapping or null follows) or `key: value`, at some indentation. */
const LINE = /^( *)([A-Za-z][A-Za-z0-9-]{0,99}):(?: (\{\}|\[\]|[A-Za-z0-9/][A-Za-z0-9./:,_-]{0,199}))?$/;
/** Keys and scalars YAML 1.2 would read as something other than a string (null, booleans), and 1.1 words, to be safe. */
const SPECIAL_WORD = /^(?:null|true|false|yes|no|on|off|y|n)$/i;
/** Anything that could be a number in some notation (ints, floats, hex, octal, 1.1's 1_000): left to yaml. */
const NUMBER_LIKE = /^[0-9a-fA-FxXoO._+-]+$/;

/**
 * `text` parsed, when it is a block mapping of plain keys whose values are plain strings, `{}`,
 * `[]`, empty (null) or nested mappings of the same kind, with consistent indentation, no
 * duplicate keys, no comments, blank lines, tabs, quotes, lists or anchors; else NOT_SIMPLE.
 */
export function simpleYaml(text: string): Value | typeof NOT_SIMPLE {
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const root: Record<string, unknown> = {};
  // Open mappings, innermost last: their indentation and the object being filled.
  const stack: { indent: number; map: Record<string, unknown> }[] = [{ indent: 0, map: root }];
  // A `key:` line waiting to learn whether a nested mapping or null follows.
  let open: { indent: number; map: Record<string, unknown>; key: string } | undefined;
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) return NOT_SIMPLE;
    const indent = m[1]!.length;
    const key = m[2]!;
    const raw = m[3];
    if (SPECIAL_WORD.test(key)) return NOT_SIMPLE;
    if (open && indent > open.indent) {
      const child: Record<string, unknown> = {};
      open.map[open.key] = child;
      stack.push({ indent, map: child });
    } else {
      if (open) open.map[open.key] = null;
      while (stack.length > 1 && stack[stack.length - 1]!.indent > indent) stack.pop();
      if (stack[stack.length - 1]!.indent !== indent) return NOT_SIMPLE;
    }
    open = undefined;
    const map = stack[stack.length - 1]!.map;
    if (Object.hasOwn(map, key)) return NOT_SIMPLE;
    if (raw === undefined) {
      map[key] = null; // until a nested mapping shows up
      open = { indent, map, key };
    } else if (raw === '{}') map[key] = {};
    else if (raw === '[]') map[key] = [];
    else if (raw.endsWith(':') || SPECIAL_WORD.test(raw) || NUMBER_LIKE.test(raw)) return NOT_SIMPLE;
    else map[key] = raw;
  }
  return root;
}
