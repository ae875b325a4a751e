import { ProtocolError, ProtocolErrorCode } from '../errors.js';

// JS value classes for the CQL types that have no exact JS counterpart: date, time, decimal,
// duration. They are immutable; invalid input raises ProtocolError ENCODE whose message never
// repeats the input (it may be a secret).

function invalid(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, message);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// --- date -------------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link daysFromCivil}: [year, month 1-12, day 1-31]. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const DATE_TEXT = /^([+-]?)(\d{4,10})-(\d{2})-(\d{2})$/;

/**
 * A CQL `date`: a day without time zone, stored as days since 1970-01-01 (proleptic
 * Gregorian). The full CQL range is -2^31 .. 2^31-1 days (years -5877641 .. 5881580), wider
 * than what a JS `Date` can hold.
 */
export class LocalDate {
  /** Smallest representable day number (-2^31). */
  static readonly MIN_DAYS = INT32_MIN;
  /** Largest representable day number (2^31 - 1). */
  static readonly MAX_DAYS = INT32_MAX;

  /** Days since 1970-01-01; negative before. */
  readonly days: number;

  constructor(days: number) {
    if (!isInt32(days)) throw invalid('date: day number must be an integer in [-2^31, 2^31-1]');
    this.days = days;
  }

  /** The date `year-month-day` (month and day 1-based). */
  static of(year: number, month: number, day: number): LocalDate {
    if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) {
      throw invalid('date: year, month and day must be integers');
    }
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw invalid('date: month or day out of range');
    }
    return new LocalDate(daysFromCivil(year, month, day));
  }

  /** The UTC calendar day of a JS `Date`. */
  static fromDate(date: Date): LocalDate {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw invalid('date: invalid Date');
    return new LocalDate(Math.floor(ms / MS_PER_DAY));
  }

  /** Parse `YYYY-MM-DD` (years outside 0000-9999 carry a sign, as ISO 8601 and Java print them). */
  static fromString(text: string): LocalDate {
    const m = DATE_TEXT.exec(text);
    if (!m) throw invalid('date: expected text of the form YYYY-MM-DD');
    const year = Number(m[2]) * (m[1] === '-' ? -1 : 1);
    return LocalDate.of(year, Number(m[3]), Number(m[4]));
  }

  /** Year (may be negative or above 9999). */
  get year(): number {
    return civilFromDays(this.days)[0];
  }

  /** Month, 1-12. */
  get month(): number {
    return civilFromDays(this.days)[1];
  }

  /** Day of month, 1-31. */
  get day(): number {
    return civilFromDays(this.days)[2];
  }

  /** Midnight UTC of this day; an invalid Date beyond JS Date's ±100,000,000-day range. */
  toDate(): Date {
    return new Date(this.days * MS_PER_DAY);
  }

  /** True if both are the same day. */
  equals(other: LocalDate): boolean {
    return other.days === this.days;
  }

  /** Day number, so dates compare with `<` and `>`. */
  valueOf(): number {
    return this.days;
  }

  /** `YYYY-MM-DD`; years outside 0-9999 as `+10000-01-01` / `-0001-12-31` (ISO 8601 / Java). */
  toString(): string {
    const [y, m, d] = civilFromDays(this.days);
    const year = y < 0 ? `-${pad(-y, 4)}` : y > 9999 ? `+${y}` : pad(y, 4);
    return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
  }

  /** Same as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
}

// --- time -------------------------------------------------------------------------------

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_DAY = 86_400n * NANOS_PER_SECOND;
const TIME_TEXT = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** A CQL `time`: time of day without zone, nanoseconds since midnight (0 .. 86399999999999). */
export class LocalTime {
  /** Nanoseconds since midnight. */
  readonly nanoseconds: bigint;

  constructor(nanoseconds: bigint) {
    if (typeof nanoseconds !== 'bigint' || nanoseconds < 0n || nanoseconds >= NANOS_PER_DAY) {
      throw invalid('time: nanoseconds since midnight must be a bigint in [0, 86399999999999]');
    }
    this.nanoseconds = nanoseconds;
  }

  /** Time from its parts. */
  static of(hour: number, minute: number, second = 0, nanosecond = 0): LocalTime {
    const ok =
      Number.isInteger(hour) && hour >= 0 && hour < 24 &&
      Number.isInteger(minute) && minute >= 0 && minute < 60 &&
      Number.isInteger(second) && second >= 0 && second < 60 &&
      Number.isInteger(nanosecond) && nanosecond >= 0 && nanosecond < 1e9;
    if (!ok) throw invalid('time: hour, minute, second or nanosecond out of range');
    return new LocalTime(BigInt(hour * 3600 + minute * 60 + second) * NANOS_PER_SECOND + BigInt(nanosecond));
  }

  /** Parse `HH:MM[:SS[.fffffffff]]`. */
  static fromString(text: string): LocalTime {
    const m = TIME_TEXT.exec(text);
    if (!m) throw invalid('time: expected text of the form HH:MM:SS.fffffffff');
    const fraction = m[4] ?? '';
    return LocalTime.of(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), Number(fraction.padEnd(9, '0')));
  }

  /** Hour, 0-23. */
  get hour(): number {
    return Number(this.nanoseconds / 3_600_000_000_000n);
  }

  /** Minute, 0-59. */
  get minute(): number {
    return Number((this.nanoseconds / 60_000_000_000n) % 60n);
  }

  /** Second, 0-59. */
  get second(): number {
    return Number((this.nanoseconds / NANOS_PER_SECOND) % 60n);
  }

  /** Nanosecond within the second, 0-999999999. */
  get nanosecond(): number {
    return Number(this.nanoseconds % NANOS_PER_SECOND);
  }

  /** True if both are the same instant of the day. */
  equals(other: LocalTime): boolean {
    return other.nanoseconds === this.nanoseconds;
  }

  /** Nanoseconds, so times compare with `<` and `>`. */
  valueOf(): bigint {
    return this.nanoseconds;
  }

  /** `HH:MM:SS.nnnnnnnnn` (always nine fraction digits). */
  toString(): string {
    return `${pad(this.hour, 2)}:${pad(this.minute, 2)}:${pad(this.second, 2)}.${pad(this.nanosecond, 9)}`;
  }

  /** Same as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
}

// --- decimal ----------------------------------------------------------------------------

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A CQL `decimal`: `unscaled × 10^-scale`, exact. `scale` is a 32-bit signed integer as on
 * the wire; equal values with different scales (`1.0` vs `1.00`) are different objects, as in
 * Java's BigDecimal.
 */
export class BigDecimal {
  /** The digits, as an integer. */
  readonly unscaled: bigint;
  /** Power of ten to divide by (negative multiplies). */
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (typeof unscaled !== 'bigint') throw invalid('decimal: unscaled value must be a bigint');
    if (!isInt32(scale)) throw invalid('decimal: scale must be a 32-bit integer');
    this.unscaled = unscaled;
    this.scale = scale;
  }

  /** Parse plain or scientific decimal text (`-12.50`, `1.2e-7`). */
  static fromString(text: string): BigDecimal {
    const m = DECIMAL_TEXT.exec(text);
    const intPart = m?.[2] ?? '';
    const fracPart = m?.[3] ?? '';
    if (!m || intPart.length + fracPart.length === 0) throw invalid('decimal: not a decimal number');
    const exponent = m[4] === undefined ? 0 : Number(m[4]);
    const scale = fracPart.length - exponent;
    if (!isInt32(scale)) throw invalid('decimal: exponent out of range');
    const digits = BigInt(intPart + fracPart);
    return new BigDecimal(m[1] === '-' ? -digits : digits, scale);
  }

  /** The exact decimal value a finite JS number prints as (`0.1` → unscaled 1, scale 1). */
  static fromNumber(n: number): BigDecimal {
    if (!Number.isFinite(n)) throw invalid('decimal: number must be finite');
    return BigDecimal.fromString(String(n));
  }

  /** Nearest JS number (may lose precision). */
  toNumber(): number {
    return Number(this.toString());
  }

  /** True if unscaled value and scale are both equal. */
  equals(other: BigDecimal): boolean {
    return other.unscaled === this.unscaled && other.scale === this.scale;
  }

  /**
   * Text as Java's `BigDecimal.toString()`: plain notation when the scale is non-negative and
   * the adjusted exponent is at least -6, scientific otherwise (so a huge scale never expands
   * into a huge string).
   */
  toString(): string {
    const negative = this.unscaled < 0n;
    const coeff = (negative ? -this.unscaled : this.unscaled).toString();
    const sign = negative ? '-' : '';
    const adjusted = -this.scale + (coeff.length - 1);
    if (this.scale >= 0 && adjusted >= -6) {
      if (this.scale === 0) return sign + coeff;
      if (coeff.length > this.scale) {
        const point = coeff.length - this.scale;
        return `${sign}${coeff.slice(0, point)}.${coeff.slice(point)}`;
      }
      return `${sign}0.${'0'.repeat(this.scale - coeff.length)}${coeff}`;
    }
    const mantissa = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
    return `${sign}${mantissa}E${adjusted > 0 ? '+' : ''}${adjusted}`;
  }

  /** Same as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
}

// --- duration ---------------------------------------------------------------------------

const NANOS_PER_MINUTE = 60n * NANOS_PER_SECOND;
const NANOS_PER_HOUR = 60n * NANOS_PER_MINUTE;
const ISO_DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,9}))?S)?)?$/;
const UNIT_DURATION = /(\d+)(y|mo|ms|m|w|d|h|s|us|µs|ns)/giy;

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  h: NANOS_PER_HOUR,
  m: NANOS_PER_MINUTE,
  s: NANOS_PER_SECOND,
  ms: 1_000_000n,
  us: 1000n,
  µs: 1000n,
  ns: 1n,
};

/**
 * A CQL `duration`: months, days and nanoseconds, kept apart because their lengths vary
 * (a month is not a fixed number of days, nor a day of nanoseconds, across DST changes).
 * All three are ≥ 0 or all ≤ 0. Months and days are 32-bit, nanoseconds 64-bit.
 */
export class Duration {
  /** Months (32-bit). */
  readonly months: number;
  /** Days (32-bit). */
  readonly days: number;
  /** Nanoseconds (64-bit). */
  readonly nanoseconds: bigint;

  constructor(months: number, days: number, nanoseconds: bigint) {
    if (!isInt32(months) || !isInt32(days)) throw invalid('duration: months and days must be 32-bit integers');
    if (typeof nanoseconds !== 'bigint' || nanoseconds < INT64_MIN || nanoseconds > INT64_MAX) {
      throw invalid('duration: nanoseconds must be a 64-bit bigint');
    }
    const anyNegative = months < 0 || days < 0 || nanoseconds < 0n;
    const anyPositive = months > 0 || days > 0 || nanoseconds > 0n;
    if (anyNegative && anyPositive) throw invalid('duration: months, days and nanoseconds must share one sign');
    this.months = months | 0; // | 0 also turns -0 into 0
    this.days = days | 0;
    this.nanoseconds = nanoseconds;
  }

  /**
   * Parse ISO 8601 (`P1Y2M3DT4H5M6.5S`, `P2W`) or Cassandra's unit form (`1y2mo3d4h5m6s7ms8us9ns`),
   * either with a leading `-` for a negative duration.
   */
  static fromString(text: string): Duration {
    const negative = text.startsWith('-');
    const body = negative ? text.slice(1) : text;
    let months = 0n;
    let days = 0n;
    let nanos = 0n;
    const iso = ISO_DURATION.exec(body);
    if (iso && body !== 'P' && body !== 'PT' && !body.endsWith('T')) {
      const n = (i: number): bigint => BigInt(iso[i] ?? 0);
      months = n(1) * 12n + n(2);
      days = n(3) * 7n + n(4);
      nanos = n(5) * NANOS_PER_HOUR + n(6) * NANOS_PER_MINUTE + n(7) * NANOS_PER_SECOND + BigInt((iso[8] ?? '').padEnd(9, '0'));
    } else {
      if (body.length === 0) throw invalid('duration: empty text');
      UNIT_DURATION.lastIndex = 0;
      let at = 0;
      for (let m = UNIT_DURATION.exec(body); m; m = UNIT_DURATION.exec(body)) {
        const amount = BigInt(m[1]!);
        const unit = m[2]!.toLowerCase();
        if (unit === 'y') months += amount * 12n;
        else if (unit === 'mo') months += amount;
        else if (unit === 'w') days += amount * 7n;
        else if (unit === 'd') days += amount;
        else nanos += amount * UNIT_NANOS[unit]!;
        at = UNIT_DURATION.lastIndex;
      }
      if (at !== body.length) throw invalid('duration: expected ISO 8601 (P...) or units like 1h30m');
    }
    if (months > BigInt(INT32_MAX) + 1n || days > BigInt(INT32_MAX) + 1n) throw invalid('duration: out of range');
    if (negative) return new Duration(-Number(months), -Number(days), -nanos);
    return new Duration(Number(months), Number(days), nanos);
  }

  /** True if all three components are equal. */
  equals(other: Duration): boolean {
    return other.months === this.months && other.days === this.days && other.nanoseconds === this.nanoseconds;
  }

  /** ISO 8601, e.g. `P1Y2M3DT4H5M6.000000007S`, `-P3D`, `PT0S`. */
  toString(): string {
    const negative = this.months < 0 || this.days < 0 || this.nanoseconds < 0n;
    const months = Math.abs(this.months);
    const days = Math.abs(this.days);
    let nanos = this.nanoseconds < 0n ? -this.nanoseconds : this.nanoseconds;
    let out = negative ? '-P' : 'P';
    if (months >= 12) out += `${Math.floor(months / 12)}Y`;
    if (months % 12 !== 0) out += `${months % 12}M`;
    if (days !== 0) out += `${days}D`;
    if (nanos !== 0n) {
      out += 'T';
      const hours = nanos / NANOS_PER_HOUR;
      nanos %= NANOS_PER_HOUR;
      const minutes = nanos / NANOS_PER_MINUTE;
      nanos %= NANOS_PER_MINUTE;
      const seconds = nanos / NANOS_PER_SECOND;
      const fraction = nanos % NANOS_PER_SECOND;
      if (hours !== 0n) out += `${hours}H`;
      if (minutes !== 0n) out += `${minutes}M`;
      if (seconds !== 0n || fraction !== 0n) {
        out += fraction === 0n ? `${seconds}S` : `${seconds}.${fraction.toString().padStart(9, '0').replace(/0+$/, '')}S`;
      }
    }
    return out.length <= 2 ? 'PT0S' : out;
  }

  /** Same as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
}
