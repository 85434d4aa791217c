/**
 * Time to expiry, from exact instants.
 *
 * Indian index options expire at the close of trading, 15:30 IST (UTC+05:30,
 * no daylight saving), on their expiry date. Year fractions are ACT/365 over
 * the exact number of seconds to that instant, never whole days: on expiry day
 * (0DTE) the difference between "0 days" and "4 hours" is the whole option.
 */
export const SECONDS_PER_YEAR = 365 * 24 * 60 * 60;
const MS_PER_YEAR = SECONDS_PER_YEAR * 1000;
/** Trading sessions a year, the market convention for annualising per-session figures (realized volatility, the simulator's session steps). */
export const SESSIONS_PER_YEAR = 252;

/** IST is a fixed +05:30 offset. */
export const IST_OFFSET_MINUTES = 5 * 60 + 30;
/** Close of the Indian equity-derivatives session, minutes after IST midnight. */
export const MARKET_CLOSE_IST_MINUTES = 15 * 60 + 30;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The expiry instant (epoch ms) of a contract expiring on `expiryDate`
 * (YYYY-MM-DD, the exchange's calendar date), at 15:30 IST unless another
 * close is given. Throws on a malformed or impossible date.
 */
export function expiryInstant(expiryDate: string, closeIstMinutes = MARKET_CLOSE_IST_MINUTES): number {
  const match = ISO_DATE.exec(expiryDate);
  if (!match) throw new RangeError(`expiry date must be YYYY-MM-DD, got ${JSON.stringify(expiryDate)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const midnightUtc = Date.UTC(year, month - 1, day);
  const check = new Date(midnightUtc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`expiry date ${expiryDate} does not exist`);
  }
  return midnightUtc + (closeIstMinutes - IST_OFFSET_MINUTES) * 60_000;
}

/** Seconds from `nowMs` to `expiryMs`; negative after expiry. */
export function secondsToExpiry(nowMs: number, expiryMs: number): number {
  return (expiryMs - nowMs) / 1000;
}

/** ACT/365 years from `nowMs` to `expiryMs`; negative after expiry (pricing treats T ≤ 0 as expired). */
export function yearsToExpiry(nowMs: number, expiryMs: number): number {
  return (expiryMs - nowMs) / MS_PER_YEAR;
}

/** The IST calendar date (YYYY-MM-DD) of an instant. */
export function istDate(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
}

/** The instant an IST calendar date (YYYY-MM-DD) begins, 00:00 IST, epoch ms. */
export function istMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - IST_OFFSET_MINUTES * 60_000;
}
