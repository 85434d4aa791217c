/**
 * The exchange calendar: trading days, the 09:15–15:30 IST session, and the
 * expiry dates of index options.
 *
 * Rules (NSE and BSE circulars, in force since September 2025):
 * - NSE index options expire on Tuesday, BSE on Thursday (the instrument's
 *   `expiry.weekday`). Weekly series (NIFTY, SENSEX) expire every such
 *   weekday; monthly-only series (BANKNIFTY, FINNIFTY, MIDCPNIFTY) on the
 *   last such weekday of the month. NIFTY's monthly contract is its weekly of
 *   the last Tuesday, so the date list is the same; `expirySchedule` marks it.
 * - When the scheduled day is not a trading day (an exchange holiday), the
 *   expiry moves to the previous trading day, skipping weekends and further
 *   holidays.
 * - The session runs 09:15–15:30 IST on trading days (Monday–Friday that are
 *   not holidays). Open means `opensAt ≤ t < closesAt`; contracts expire at
 *   the close (see core/time/expiry.ts).
 *
 * Holidays are data, not code: every function takes them as a set of
 * YYYY-MM-DD dates (build one with `holidaySet`). Dates are exchange calendar
 * dates (IST); instants are epoch milliseconds. IST has no daylight saving,
 * so the arithmetic is on UTC midnights of the calendar dates.
 */
import type { Instrument } from './instruments.ts';
import { expiryInstant, istDate, IST_OFFSET_MINUTES, MARKET_CLOSE_IST_MINUTES } from './time/expiry.ts';

/** Opening of the normal market, minutes after IST midnight. */
export const MARKET_OPEN_IST_MINUTES = 9 * 60 + 15;
export { MARKET_CLOSE_IST_MINUTES };

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Longest run of consecutive non-trading days we accept before calling the holiday list broken. */
const MAX_CLOSED_RUN_DAYS = 60;

export const NO_HOLIDAYS: ReadonlySet<string> = new Set();

/** A holiday set from a list of YYYY-MM-DD dates; throws naming the first malformed date. */
export function holidaySet(dates: Iterable<string>): ReadonlySet<string> {
  const set = new Set<string>();
  for (const date of dates) {
    dayNumber(date);
    set.add(date);
  }
  return set;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date; throws on a malformed or impossible date. */
function dayNumber(date: string): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`date ${date} does not exist`);
  }
  return ms / MS_PER_DAY;
}

function dateOfDay(dayNo: number): string {
  return new Date(dayNo * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `date` moved by a whole number of calendar days. */
export function addDays(date: string, days: number): string {
  return dateOfDay(dayNumber(date) + days);
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return weekdayOfDay(dayNumber(date));
}

function weekdayOfDay(dayNo: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNo + 3) % 7) + 7) % 7) + 1;
}

/** Monday to Friday and not in `holidays`. */
export function isTradingDay(date: string, holidays: ReadonlySet<string> = NO_HOLIDAYS): boolean {
  return isoWeekday(date) <= 5 && !holidays.has(date);
}

/** The trading day on or before `date`. */
export function tradingDayOnOrBefore(date: string, holidays: ReadonlySet<string> = NO_HOLIDAYS): string {
  return walkToTradingDay(date, -1, true, holidays);
}

/** The first trading day strictly before `date`. */
export function previousTradingDay(date: string, holidays: ReadonlySet<string> = NO_HOLIDAYS): string {
  return walkToTradingDay(date, -1, false, holidays);
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string, holidays: ReadonlySet<string> = NO_HOLIDAYS): string {
  return walkToTradingDay(date, 1, false, holidays);
}

function walkToTradingDay(date: string, direction: 1 | -1, inclusive: boolean, holidays: ReadonlySet<string>): string {
  let dayNo = dayNumber(date) + (inclusive ? 0 : direction);
  for (let i = 0; i <= MAX_CLOSED_RUN_DAYS; i++, dayNo += direction) {
    const candidate = dateOfDay(dayNo);
    if (weekdayOfDay(dayNo) <= 5 && !holidays.has(candidate)) return candidate;
  }
  throw new RangeError(`no trading day within ${MAX_CLOSED_RUN_DAYS} days of ${date}: check the holiday list`);
}

// ---------------------------------------------------------------------------
// Expiries
// ---------------------------------------------------------------------------

export interface ScheduledExpiry {
  /** The expiry date after holiday adjustment: the contract expires at 15:30 IST on it. */
  date: string;
  /** The rule's date before adjustment (the weekday itself). */
  scheduledDate: string;
  /** The month's last expiry weekday: the monthly contract. */
  monthly: boolean;
}

/**
 * The next `count` expiries of an instrument that are still alive at `fromMs`:
 * dates on or after the IST date of `fromMs` whose 15:30 IST expiry instant is
 * after `fromMs`, ascending. On expiry day the day's contract is listed until
 * the close and gone from 15:30.
 */
export function upcomingExpiries(
  instrument: Pick<Instrument, 'expiry'>,
  fromMs: number,
  count: number,
  holidays: ReadonlySet<string> = NO_HOLIDAYS,
): string[] {
  return expirySchedule(instrument, fromMs, count, holidays).map((e) => e.date);
}

/** As `upcomingExpiries`, with the scheduled date and whether each is the monthly contract. */
export function expirySchedule(
  instrument: Pick<Instrument, 'expiry'>,
  fromMs: number,
  count: number,
  holidays: ReadonlySet<string> = NO_HOLIDAYS,
): ScheduledExpiry[] {
  const { weekday, weekly } = instrument.expiry;
  if (!(Number.isInteger(weekday) && weekday >= 1 && weekday <= 7)) throw new RangeError(`expiry weekday must be 1–7, got ${weekday}`);
  const result: ScheduledExpiry[] = [];
  if (!(count > 0)) return result;
  const today = istDate(fromMs);
  const todayNo = dayNumber(today);
  // Adjustment only moves a date earlier, so every live expiry is scheduled on or after today.
  let scheduledNo = todayNo + ((weekday - weekdayOfDay(todayNo) + 7) % 7);
  // Ten years of weeks: a bound that only a broken holiday list could reach.
  for (let guard = 0; guard < 520 && result.length < count; guard++, scheduledNo += 7) {
    const monthly = dateOfDay(scheduledNo + 7).slice(5, 7) !== dateOfDay(scheduledNo).slice(5, 7);
    if (!weekly && !monthly) continue;
    const scheduledDate = dateOfDay(scheduledNo);
    const date = tradingDayOnOrBefore(scheduledDate, holidays);
    if (date < today || expiryInstant(date) <= fromMs) continue;
    // A long holiday run could fold two scheduled dates onto one trading day.
    const last = result[result.length - 1];
    if (last !== undefined && last.date === date) {
      last.monthly ||= monthly;
      continue;
    }
    result.push({ date, scheduledDate, monthly });
  }
  return result;
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

export interface SessionBounds {
  /** 09:15 IST on the date, epoch ms. */
  opensAt: number;
  /** 15:30 IST on the date, epoch ms. */
  closesAt: number;
}

/** Open and close instants of the session on `date` (whether or not it trades). */
export function sessionBounds(date: string): SessionBounds {
  const midnightIst = dayNumber(date) * MS_PER_DAY - IST_OFFSET_MINUTES * 60_000;
  return {
    opensAt: midnightIst + MARKET_OPEN_IST_MINUTES * 60_000,
    closesAt: midnightIst + MARKET_CLOSE_IST_MINUTES * 60_000,
  };
}

export interface MarketSession extends SessionBounds {
  /** True from 09:15 (inclusive) to 15:30 (exclusive) IST on a trading day. */
  open: boolean;
  /** The trading date of the session in progress when open, else of the next session. */
  date: string;
}

/** The session in progress at `nowMs`, or the next one when the market is closed. */
export function marketSession(nowMs: number, holidays: ReadonlySet<string> = NO_HOLIDAYS): MarketSession {
  const today = istDate(nowMs);
  if (isTradingDay(today, holidays)) {
    const bounds = sessionBounds(today);
    if (nowMs < bounds.closesAt) return { open: nowMs >= bounds.opensAt, date: today, ...bounds };
  }
  const next = nextTradingDay(today, holidays);
  return { open: false, date: next, ...sessionBounds(next) };
}

/** Whether the normal market is open at `nowMs`. */
export function isMarketOpen(nowMs: number, holidays: ReadonlySet<string> = NO_HOLIDAYS): boolean {
  return marketSession(nowMs, holidays).open;
}

/**
 * Moves an instant forward by `elapsedMs` of trading time: time only passes
 * inside sessions, and crossing a close continues from the next open. An
 * instant outside a session starts from the next open. The result is always
 * inside a session (`opensAt ≤ t < closesAt`).
 */
export function advanceTradingTime(nowMs: number, elapsedMs: number, holidays: ReadonlySet<string> = NO_HOLIDAYS): number {
  if (!(elapsedMs >= 0)) throw new RangeError(`elapsed trading time must be ≥ 0, got ${elapsedMs}`);
  let session = marketSession(nowMs, holidays);
  let t = session.open ? nowMs : session.opensAt;
  let remaining = elapsedMs;
  for (;;) {
    const room = session.closesAt - t;
    if (remaining < room) return t + remaining;
    remaining -= room;
    session = marketSession(session.closesAt, holidays);
    t = session.opensAt;
  }
}
