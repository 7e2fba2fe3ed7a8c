import { dayExists } from "./stored-form.js";

/**
 * The time values of ISO dates and datetimes, as the decode plans read the named form's text: the
 * common case in a few integer operations, everything else by `new Date`.
 */

/** Two decimal digits of `s` at `i` (the caller has matched `s` against an ISO pattern). */
function d2(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

/**
 * The time value of an ISO datetime that matched ISO_DATETIME; NaN when invalid. Exactly
 * `new Date(s).getTime()` for a day that exists in its month (NaN for one that does not, which
 * `new Date` rolls over: `2024-02-30` is not 1 March), but without the generic string parser for
 * the common case (4-digit year from 1000, day 1 to 28, hour 0 to 23: no rollover or 24:00 rules
 * involved); everything else is left to `new Date`. A test compares the two.
 */
export function isoDateTimeValue(s: string): number {
  if (s.length !== 24) return slowDateValue(s, s);
  const year = d2(s, 0) * 100 + d2(s, 2);
  const month = d2(s, 5);
  const day = d2(s, 8);
  const hour = d2(s, 11);
  const minute = d2(s, 14);
  const second = d2(s, 17);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59) {
    return slowDateValue(s, s);
  }
  const ms = (s.charCodeAt(20) - 48) * 100 + d2(s, 21);
  return daysSinceEpoch(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil): what `Date.UTC`
 * computes, in a few integer operations (Date.UTC is half the cost of reading a datetime).
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The time value of an ISO date (`YYYY-MM-DD`, matched ISO_DATE) at UTC midnight; NaN when invalid or the day does not exist. */
export function isoDateValue(s: string): number {
  if (s.length !== 10) return slowDateValue(s, `${s}T00:00:00.000Z`);
  const year = d2(s, 0) * 100 + d2(s, 2);
  const month = d2(s, 5);
  const day = d2(s, 8);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28) return slowDateValue(s, `${s}T00:00:00.000Z`);
  return daysSinceEpoch(year, month, day) * 86_400_000;
}

/** `new Date(iso).getTime()`, NaN when the day `s` names does not exist in its month. */
function slowDateValue(s: string, iso: string): number {
  return dayExists(s) ? new Date(iso).getTime() : Number.NaN;
}
