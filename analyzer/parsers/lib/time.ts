/**
 * Timestamp normalization. Every record carries ISO-8601 UTC (`2026-11-22T10:24:51.771203443Z`),
 * with at least millisecond digits and at most the nanoseconds the source had, so records from
 * different sources can be put on one timeline. Sources without a zone are taken as UTC (the
 * collector runs its commands with TZ=UTC); sources without a year need a reference time.
 */

export interface ReferenceTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

/** Reads the year and month of an ISO reference (e.g. the bundle's createdAt). */
export function referenceOf(iso: string | undefined): ReferenceTime | undefined {
  if (!iso) return undefined;
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso);
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3] ?? '31') };
}

/**
 * The year of a month-day timestamp: logs are never from the future, so a date after the
 * reference belongs to the previous year (a December line read in January). One day of slack
 * covers nodes whose local date is ahead of the UTC reference.
 */
export function resolveYear(month: number, day: number, ref: ReferenceTime | undefined): number | undefined {
  if (!ref) return undefined;
  const later = month > ref.month || (month === ref.month && day > ref.day + 1);
  return later ? ref.year - 1 : ref.year;
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

/** English month names and abbreviations, and the CJK `12月` form journalctl prints in those locales. */
export function monthNumber(token: string): number | undefined {
  const cjk = /^(\d{1,2})月$/.exec(token);
  if (cjk) {
    const n = Number(cjk[1]);
    return n >= 1 && n <= 12 ? n : undefined;
  }
  if (token.length < 3) return undefined;
  const n = MONTHS[token.slice(0, 3).toLowerCase()];
  return n !== undefined && /^[A-Za-z]+\.?$/.test(token) ? n : undefined;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of a month in the proleptic Gregorian calendar (what Date uses). */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

/**
 * Builds the normalized string from wall-clock parts and a UTC offset in minutes. Returns
 * undefined for impossible dates (Feb 30) rather than letting Date roll them over.
 */
export function isoFromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction = '',
  offsetMinutes = 0,
): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const frac = (fraction.length >= 3 ? fraction : fraction.padEnd(3, '0')).slice(0, 9);
  // Fast path (every kept log line comes here): a UTC time with whole fields in a four-digit year
  // is already its own normalized form, no Date round trip needed; Date below gives the same text.
  if (
    offsetMinutes === 0 &&
    year >= 1000 &&
    year <= 9999 &&
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    Number.isInteger(hour) &&
    Number.isInteger(minute) &&
    Number.isInteger(second) &&
    hour >= 0 &&
    minute >= 0 &&
    second >= 0
  ) {
    if (day > daysInMonth(year, month)) return undefined;
    return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}.${frac}Z`;
  }
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) - offsetMinutes * 60_000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${frac}Z`
  );
}

/** Parses `Z`, `UTC`, `GMT`, `+0000`, `+00:00`, `-05` into minutes east of UTC. */
export function offsetMinutesOf(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === '' || zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return m[1] === '-' ? -minutes : minutes;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Normalizes the date-time forms seen in bundles: RFC 3339 (`2026-11-22T10:24:51.771203443Z`),
 * journalctl's `+0000`, CRI-O's space-separated `2021-01-25 16:45:10.209171978Z`, and Calico's
 * zone-less `2023-05-01 12:00:00.000`.
 */
export function normalizeTimestamp(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m = ISO_RE.exec(text.trim());
  if (!m) return undefined;
  const offset = offsetMinutesOf(m[8]);
  if (offset === undefined) return undefined;
  return isoFromParts(
    Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ?? '', offset,
  );
}

/** `hh:mm:ss` with an optional fraction, as in syslog, klog and ls timestamps. */
export function parseClock(text: string): { hour: number; minute: number; second: number; fraction: string } | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (!m) return undefined;
  return { hour: Number(m[1]), minute: Number(m[2]), second: Number(m[3] ?? '0'), fraction: m[4] ?? '' };
}

/** Month-day-clock timestamps (syslog, klog) become ISO when the year can be resolved. */
export function isoFromMonthDay(
  month: number,
  day: number,
  clock: string,
  ref: ReferenceTime | undefined,
  offsetMinutes = 0,
): string | undefined {
  const year = resolveYear(month, day, ref);
  const c = parseClock(clock);
  if (year === undefined || !c) return undefined;
  return isoFromParts(year, month, day, c.hour, c.minute, c.second, c.fraction, offsetMinutes);
}

/** Seconds since the epoch with an optional fraction (journalctl -o short-unix). */
export function isoFromEpochSeconds(text: string): string | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const d = new Date(Number(m[1]) * 1000);
  return isoFromParts(
    d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), m[2] ?? '',
  );
}
