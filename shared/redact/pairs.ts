/**
 * The places a named value sits in the text cni-evidence collects, and one function that finds
 * them: JSON (`"name": "value"`), YAML and `kubectl describe` (`name: value` at the start of a
 * line), env files, logfmt, TOML and shell (`NAME=value`, `name = "value"`), command-line flags
 * (`--name=value`, `--name value`) and Go's %+v struct printing (`Name:value`). Each
 * name-driven rule supplies its own predicate; the value is replaced, the name and the
 * surrounding punctuation stay so JSON stays JSON and a reader still sees which field it was.
 */
import { isHarmlessValue } from './names.js';
import { marker, type Hit } from './rule.js';

export type NamePredicate = (name: string) => boolean;

export interface PairForms {
  json?: boolean;
  yaml?: boolean;
  assignment?: boolean;
  flag?: boolean;
  goStruct?: boolean;
}

const ALL_FORMS: Required<PairForms> = { json: true, yaml: true, assignment: true, flag: true, goStruct: true };

const JSON_PAIR = /"([^"\\]{1,128})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const YAML_PAIR = /^(\s*(?:-\s+)?)(["']?)([^\s"'#:[\]][^\s"':]{0,127}?)\2(:[ \t]+)(.*?)([ \t]*)$/;
const ASSIGN_UNQUOTED = /(?<![A-Za-z0-9_.\-/$])([A-Za-z_][A-Za-z0-9_.-]{0,127})=([^\s"',;&)}\]<>]+)/g;
const ASSIGN_QUOTED = /(?<![A-Za-z0-9_.\-/$])([A-Za-z_][A-Za-z0-9_.-]{0,127})([ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"|'[^']*')/g;
const FLAG = /(?<![A-Za-z0-9_-])(--?)([A-Za-z][A-Za-z0-9_.-]{1,127})(=|[ \t]+)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'-][^\s"']*)/g;
const GO_STRUCT = /(?<![A-Za-z0-9_])([A-Z][A-Za-z0-9]{1,63}):([^\s,{}()[\]&"<>]+)/g;

/** The value regexes stop at `<`, so a value already half-redacted (`Bearer%20<redacted:…>`) must be left alone. */
function beforeMarker(text: string, end: number): boolean {
  return text.startsWith('<redacted:', end);
}

function quotedMarker(value: string, id: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${marker(id)}${q}` : marker(id);
}

/** Replaces every value whose name satisfies `isName` on one line; YAML only at line start. */
export function redactPairs(line: string, isName: NamePredicate, id: string, hit: Hit, forms: PairForms = ALL_FORMS): string {
  let out = line;
  if (forms.json && out.includes('"')) {
    out = out.replace(JSON_PAIR, (all, name: string, sep: string, value: string) => {
      if (!isName(name) || isHarmlessValue(value)) return all;
      hit();
      return `"${name}"${sep}"${marker(id)}"`;
    });
  }
  if (forms.yaml && out.includes(':')) {
    const m = YAML_PAIR.exec(out);
    if (m) {
      const [, lead, quote, name, sep, value, tail] = m as unknown as [string, string, string, string, string, string, string];
      // A pretty-printed JSON line (`"name": value,`) matches too: its comma is not part of the value.
      const comma = quote === '"' && value.endsWith(',') ? ',' : '';
      const bare = comma ? value.slice(0, -1).trimEnd() : value;
      if (isName(name) && !/^[|>{[&*!]/.test(bare) && !isHarmlessValue(bare)) {
        hit();
        const replacement = quote === '"' && !/^["']/.test(bare) ? `"${marker(id)}"` : quotedMarker(bare, id);
        out = `${lead}${quote}${name}${quote}${sep}${replacement}${comma}${tail}`;
      }
    }
  }
  if (forms.assignment && out.includes('=')) {
    out = out.replace(ASSIGN_QUOTED, (all, name: string, sep: string, value: string) => {
      if (!isName(name) || isHarmlessValue(value)) return all;
      hit();
      return `${name}${sep}${quotedMarker(value, id)}`;
    });
    out = out.replace(ASSIGN_UNQUOTED, (all, name: string, value: string, offset: number, text: string) => {
      if (!isName(name) || isHarmlessValue(value) || beforeMarker(text, offset + all.length)) return all;
      hit();
      return `${name}=${marker(id)}`;
    });
  }
  if (forms.flag && out.includes('-')) {
    out = out.replace(FLAG, (all, dashes: string, name: string, sep: string, value: string, offset: number, text: string) => {
      if (!isName(name) || isHarmlessValue(value) || beforeMarker(text, offset + all.length)) return all;
      hit();
      return `${dashes}${name}${sep}${quotedMarker(value, id)}`;
    });
  }
  if (forms.goStruct && out.includes(':')) {
    out = out.replace(GO_STRUCT, (all, name: string, value: string, offset: number, text: string) => {
      if (!isName(name) || isHarmlessValue(value) || value.startsWith('//') || beforeMarker(text, offset + all.length)) return all;
      hit();
      return `${name}:${marker(id)}`;
    });
  }
  return out;
}

/** Lower-cased letters and digits only: `AWS_SECRET_ACCESS_KEY`, `awsSecretAccessKey` and `aws-secret-access-key` meet. */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function nameIn(names: readonly string[]): NamePredicate {
  const set = new Set(names.map(squash));
  return (name) => set.has(squash(name));
}
