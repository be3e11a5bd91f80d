/**
 * Label and field selectors with the grammar and error texts of k8s.io/apimachinery, so a client
 * that sends a selector the real server would reject gets the same 400 here.
 */
import type { CoreEvent, KubeObject, LabelSelectorSpec, Node, Pod } from './types.js';

export class SelectorError extends Error {}

type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

type Token =
  | { t: 'id'; v: string }
  | { t: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '<' | '>' | 'in' | 'notin' | 'end'; v: string };

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>', ' ', '\t', '\n', '\r']);

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      out.push({ t: two, v: two });
      i += 2;
      continue;
    }
    if (c === '!' || c === '=' || c === '(' || c === ')' || c === ',' || c === '<' || c === '>') {
      out.push({ t: c, v: c });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] as string)) j++;
    const word = input.slice(i, j);
    if (word === 'in' || word === 'notin') out.push({ t: word, v: word });
    else out.push({ t: 'id', v: word });
    i = j;
  }
  out.push({ t: 'end', v: '' });
  return out;
}

// The qualified-name rule of validation.IsQualifiedName, enough to reject what the server rejects.
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateKey(key: string): void {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  if (parts.length > 2 || name === undefined || name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  }
}

function validateValue(value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  }
}

/** Parses `labelSelector` the way labels.Parse does. An empty string selects everything. */
export function parseLabelSelector(input: string): LabelSelector {
  const toks = lex(input);
  let p = 0;
  const peek = (): Token => toks[p] as Token;
  const next = (): Token => toks[p++] as Token;
  const reqs: LabelRequirement[] = [];
  if (peek().t === 'end') return reqs;
  for (;;) {
    let tok = next();
    let req: LabelRequirement;
    if (tok.t === '!') {
      const key = next();
      if (key.t !== 'id') throw new SelectorError(`found '${key.v}', expected: identifier after '!'`);
      validateKey(key.v);
      req = { key: key.v, op: '!', values: [] };
    } else if (tok.t === 'id') {
      const key = tok.v;
      validateKey(key);
      const op = peek();
      if (op.t === ',' || op.t === 'end') {
        req = { key, op: 'exists', values: [] };
      } else {
        next();
        if (op.t === '=' || op.t === '==' || op.t === '!=') {
          const v = peek();
          let value = '';
          if (v.t === 'id') {
            next();
            value = v.v;
          } else if (v.t !== ',' && v.t !== 'end') {
            throw new SelectorError(`found '${v.v}', expected: identifier`);
          }
          validateValue(value);
          req = { key, op: op.t === '!=' ? '!=' : '=', values: [value] };
        } else if (op.t === 'in' || op.t === 'notin') {
          if (next().t !== '(') throw new SelectorError(`found '${toks[p - 1]?.v ?? ''}', expected: '('`);
          const values: string[] = [];
          for (;;) {
            tok = next();
            if (tok.t === ')') break;
            if (tok.t === 'id') {
              validateValue(tok.v);
              values.push(tok.v);
              const sep = next();
              if (sep.t === ')') break;
              if (sep.t !== ',') throw new SelectorError(`found '${sep.v}', expected: ',' or ')'`);
            } else if (tok.t === ',') {
              values.push('');
            } else {
              throw new SelectorError(`found '${tok.v}', expected: ',', ')' or identifier`);
            }
          }
          if (values.length === 0) {
            throw new SelectorError(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
          }
          req = { key, op: op.t, values };
        } else if (op.t === '<' || op.t === '>') {
          const v = next();
          if (v.t !== 'id' || !/^-?\d+$/.test(v.v)) {
            throw new SelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
          }
          req = { key, op: op.t === '>' ? 'gt' : 'lt', values: [v.v] };
        } else {
          throw new SelectorError(`found '${op.v}', expected: in, notin, =, ==, !=, gt, lt`);
        }
      }
    } else {
      throw new SelectorError(`found '${tok.v}', expected: !, identifier, or 'end of string'`);
    }
    reqs.push(req);
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') throw new SelectorError(`found '${sep.v}', expected: ',' or 'end of string'`);
  }
  return reqs;
}

export function labelsMatch(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v as string);
      case 'notin':
        return !has || !r.values.includes(v as string);
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        return r.op === 'gt' ? n > bound : n < bound;
      }
    }
    return false;
  });
}

/** metav1.LabelSelector -> selector, for matching a DaemonSet's pods and printing it. */
export function fromLabelSelectorSpec(spec: LabelSelectorSpec | undefined): LabelSelector {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(spec?.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of spec?.matchExpressions ?? []) {
    const op: LabelOp =
      e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    reqs.push({ key: e.key, op, values: [...(e.values ?? [])].sort() });
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** labels.Selector.String(): what kubectl shows in the DaemonSet SELECTOR column. */
export function formatLabelSelector(sel: LabelSelector): string {
  const s = sel
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case '=':
          return `${r.key}=${r.values[0] ?? ''}`;
        case '!=':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
      return '';
    })
    .join(',');
  return s.length === 0 ? '<none>' : s;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeFieldValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '\\') {
      const n = v[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
    }
    if (c === '=' || c === ',') throw new SelectorError(`invalid field selector: unescaped ${c} in value`);
    out += c;
  }
  return out;
}

/** fields.ParseSelector: `a=b,c!=d,e==f`. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    for (const op of ['!=', '==', '='] as const) {
      const idx = term.indexOf(op);
      if (idx > 0) {
        const field = term.slice(0, idx).trim();
        const value = unescapeFieldValue(term.slice(idx + op.length));
        return { field, op: op === '!=' ? '!=' : '=', value };
      }
    }
    throw new SelectorError(`invalid selector: '${input}'; can't understand '${term}'`);
  });
}

/** The fields each resource's storage registers as selectable (GetAttrs in the real registry). */
export function selectableFields(resource: string, obj: KubeObject): Record<string, string> {
  const meta = obj.metadata;
  const base: Record<string, string> = { 'metadata.name': meta.name };
  if (meta.namespace !== undefined) base['metadata.namespace'] = meta.namespace;
  switch (resource) {
    case 'pods': {
      const pod = obj as Pod;
      return {
        ...base,
        'spec.nodeName': pod.spec.nodeName ?? '',
        'spec.restartPolicy': pod.spec.restartPolicy ?? '',
        'spec.schedulerName': pod.spec.schedulerName ?? '',
        'spec.serviceAccountName': pod.spec.serviceAccountName ?? '',
        'spec.hostNetwork': String(pod.spec.hostNetwork === true),
        'status.phase': pod.status.phase ?? '',
        'status.podIP': pod.status.podIP ?? '',
        'status.nominatedNodeName': pod.status.nominatedNodeName ?? '',
      };
    }
    case 'events': {
      const ev = obj as CoreEvent;
      const io = ev.involvedObject;
      return {
        ...base,
        'involvedObject.kind': io.kind ?? '',
        'involvedObject.namespace': io.namespace ?? '',
        'involvedObject.name': io.name ?? '',
        'involvedObject.uid': io.uid ?? '',
        'involvedObject.apiVersion': io.apiVersion ?? '',
        'involvedObject.resourceVersion': io.resourceVersion ?? '',
        'involvedObject.fieldPath': io.fieldPath ?? '',
        reason: ev.reason ?? '',
        reportingComponent: ev.reportingComponent ?? '',
        source: ev.source?.component ?? '',
        type: ev.type ?? '',
      };
    }
    case 'nodes': {
      const node = obj as Node;
      return { 'metadata.name': meta.name, 'spec.unschedulable': String(node.spec.unschedulable === true) };
    }
    case 'namespaces': {
      const phase = (obj as { status?: { phase?: string } }).status?.phase ?? '';
      return { 'metadata.name': meta.name, 'status.phase': phase };
    }
    default:
      return base;
  }
}

/** Validates field names against the resource first, so an unknown label is a 400 even for an empty list. */
export function checkFieldSelector(resource: string, reqs: FieldRequirement[], sample: KubeObject): void {
  const known = selectableFields(resource, sample);
  for (const r of reqs) {
    if (!(r.field in known)) throw new SelectorError(`field label not supported: ${r.field}`);
  }
}

export function fieldsMatch(resource: string, reqs: FieldRequirement[], obj: KubeObject): boolean {
  if (reqs.length === 0) return true;
  const f = selectableFields(resource, obj);
  return reqs.every((r) => {
    const v = f[r.field] ?? '';
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}
