/**
 * Defensive readers for parsed JSON. Bundle JSON is hostile or half-written as often as not, so a
 * field of the wrong type reads as "absent" instead of throwing halfway through a list.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): JsonObject {
  return isObject(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A non-empty string, for fields where "" means unset (podIP, nodeName, podCIDR). */
export function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** String values of a string map (labels, annotations, ConfigMap data); other values are dropped. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

export function strList(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

/** A number or a numeric string ("9001" is a valid MTU in aws-cni configs). */
export function numLike(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Sets an optional field only when there is a value, so records never carry `key: undefined`
 * (rules test `'podIP' in rec` and tests compare records exactly).
 */
export function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** `<none>`, empty and whitespace cells of kubectl tables read as absent. */
export function noneToUndefined(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t === undefined || t === '' || t === '<none>' ? undefined : t;
}

const SIZE_SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

/**
 * A size as ls -h and df -h print it (`3.7M`, `20G`, `0`), in bytes with powers of 1024; plain
 * numbers are multiplied by `unit`. Undefined for anything else (`-`).
 */
export function parseHumanSize(text: string, unit = 1): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * unit;
  const m = /^(\d+(?:[.,]\d+)?)([KMGTPE]?)i?$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]!.replace(',', '.')) * SIZE_SUFFIX[m[2]!]!);
}
