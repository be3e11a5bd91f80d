/**
 * Just enough of the Kubernetes protobuf encoding for `kubectl auth can-i`, which posts its
 * SelfSubjectAccessReview as application/vnd.kubernetes.protobuf (facts #3). The wire form is the
 * magic `k8s\0` followed by a runtime.Unknown {typeMeta, raw, contentEncoding, contentType} whose
 * `raw` is the gogo-protobuf encoding of the object (field numbers from k8s.io/api generated.proto).
 */

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, Array<Buffer | number>>;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++] as number;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function parse(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: Buffer | number;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else if (wire === 1) {
      value = buf.subarray(pos, pos + 8);
      pos += 8;
    } else if (wire === 5) {
      value = buf.subarray(pos, pos + 4);
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

function str(f: Fields, n: number): string | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

function msg(f: Fields, n: number): Fields | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? parse(v) : undefined;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function lenField(n: number, data: Buffer): Buffer {
  return Buffer.concat([varint(n * 8 + 2), varint(data.length), data]);
}

function strField(n: number, s: string | undefined): Buffer {
  return s === undefined ? Buffer.alloc(0) : lenField(n, Buffer.from(s, 'utf8'));
}

function boolField(n: number, b: boolean): Buffer {
  return Buffer.concat([varint(n * 8), varint(b ? 1 : 0)]);
}

const RESOURCE_ATTRS = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const;

function strings(f: Fields, n: number): string[] {
  return (f.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v)).map((v) => v.toString('utf8'));
}

function repeated(n: number, values: string[] | undefined): Buffer {
  return Buffer.concat((values ?? []).map((v) => strField(n, v)));
}

/**
 * Decodes a protobuf SelfSubjectAccessReview or SelfSubjectRulesReview request into its JSON form
 * (the kind comes from the envelope's TypeMeta).
 */
export function decodeAuthzProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error('missing k8s protobuf magic');
  const unknown = parse(body.subarray(4));
  const typeMeta = msg(unknown, 1);
  const kind = (typeMeta !== undefined ? str(typeMeta, 2) : undefined) ?? 'SelfSubjectAccessReview';
  const raw = unknown.get(2)?.[0];
  if (!Buffer.isBuffer(raw)) throw new Error('protobuf envelope has no raw object');
  const review = parse(raw);
  const spec = msg(review, 2);
  const out: Record<string, unknown> = { apiVersion: 'authorization.k8s.io/v1', kind, spec: {} };
  if (spec === undefined) return out;
  if (kind === 'SelfSubjectRulesReview') {
    out.spec = { namespace: str(spec, 1) ?? '' };
    return out;
  }
  const ra = msg(spec, 1);
  const nra = msg(spec, 2);
  const outSpec: Record<string, unknown> = {};
  if (ra !== undefined) {
    const attrs: Record<string, string> = {};
    RESOURCE_ATTRS.forEach((k, i) => {
      const v = str(ra, i + 1);
      if (v !== undefined) attrs[k] = v;
    });
    outSpec.resourceAttributes = attrs;
  }
  if (nra !== undefined) {
    const attrs: Record<string, string> = {};
    const p = str(nra, 1);
    const v = str(nra, 2);
    if (p !== undefined) attrs.path = p;
    if (v !== undefined) attrs.verb = v;
    outSpec.nonResourceAttributes = attrs;
  }
  out.spec = outSpec;
  return out;
}

interface ResourceRuleJson {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

interface NonResourceRuleJson {
  verbs?: string[];
  nonResourceURLs?: string[];
}

/** Encodes a SelfSubjectAccessReview or SelfSubjectRulesReview response (JSON form) as k8s protobuf. */
export function encodeAuthzProtobuf(review: Record<string, unknown>): Buffer {
  const kind = String(review.kind ?? 'SelfSubjectAccessReview');
  let specBuf: Buffer;
  let statusBuf: Buffer;
  if (kind === 'SelfSubjectRulesReview') {
    const spec = (review.spec ?? {}) as { namespace?: string };
    const status = (review.status ?? {}) as { resourceRules?: ResourceRuleJson[]; nonResourceRules?: NonResourceRuleJson[]; incomplete?: boolean; evaluationError?: string };
    specBuf = strField(1, spec.namespace ?? '');
    statusBuf = Buffer.concat([
      ...(status.resourceRules ?? []).map((r) =>
        lenField(1, Buffer.concat([repeated(1, r.verbs), repeated(2, r.apiGroups), repeated(3, r.resources), repeated(4, r.resourceNames)])),
      ),
      ...(status.nonResourceRules ?? []).map((r) => lenField(2, Buffer.concat([repeated(1, r.verbs), repeated(2, r.nonResourceURLs)]))),
      boolField(3, status.incomplete === true),
      strField(4, status.evaluationError ?? ''),
    ]);
  } else {
    const spec = (review.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> };
    const status = (review.status ?? {}) as { allowed?: boolean; reason?: string; evaluationError?: string; denied?: boolean };
    const parts: Buffer[] = [];
    if (spec.resourceAttributes !== undefined) {
      const ra = spec.resourceAttributes;
      parts.push(lenField(1, Buffer.concat(RESOURCE_ATTRS.map((k, i) => strField(i + 1, ra[k] ?? '')))));
    }
    if (spec.nonResourceAttributes !== undefined) {
      const nra = spec.nonResourceAttributes;
      parts.push(lenField(2, Buffer.concat([strField(1, nra.path ?? ''), strField(2, nra.verb ?? '')])));
    }
    specBuf = Buffer.concat(parts);
    statusBuf = Buffer.concat([
      boolField(1, status.allowed === true),
      strField(2, status.reason ?? ''),
      strField(3, status.evaluationError ?? ''),
      boolField(4, status.denied === true),
    ]);
  }
  const obj = Buffer.concat([lenField(1, Buffer.alloc(0)), lenField(2, specBuf), lenField(3, statusBuf)]);
  const typeMeta = Buffer.concat([strField(1, 'authorization.k8s.io/v1'), strField(2, kind)]);
  const unknown = Buffer.concat([lenField(1, typeMeta), lenField(2, obj), strField(3, ''), strField(4, '')]);
  return Buffer.concat([MAGIC, unknown]);
}
