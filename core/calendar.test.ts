import { describe, expect, it } from 'vitest';
import {
  addDays,
  advanceTradingTime,
  expirySchedule,
  holidaySet,
  isMarketOpen,
  isoWeekday,
  isTradingDay,
  marketSession,
  nextTradingDay,
  previousTradingDay,
  sessionBounds,
  tradingDayOnOrBefore,
  upcomingExpiries,
} from './calendar.ts';
import { instrumentTable } from './instruments.ts';

const instruments = instrumentTable();
const NIFTY = instruments.get('NIFTY')!;
const BANKNIFTY = instruments.get('BANKNIFTY')!;
const FINNIFTY = instruments.get('FINNIFTY')!;
const MIDCPNIFTY = instruments.get('MIDCPNIFTY')!;
const SENSEX = instruments.get('SENSEX')!;

/** Epoch ms of an IST wall-clock time. */
function ist(date: string, time: string): number {
  return Date.parse(`${date}T${time}+05:30`);
}

describe('calendar dates', () => {
  it('knows the 2026 weekdays', () => {
    expect(isoWeekday('2026-01-01')).toBe(4); // Thursday
    expect(isoWeekday('2026-01-06')).toBe(2); // Tuesday
    expect(isoWeekday('2026-03-31')).toBe(2);
    expect(isoWeekday('2026-01-04')).toBe(7); // Sunday
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('treats weekends and listed holidays as non-trading days', () => {
    const holidays = holidaySet(['2026-01-26']);
    expect(isTradingDay('2026-01-23', holidays)).toBe(true); // Friday
    expect(isTradingDay('2026-01-24', holidays)).toBe(false); // Saturday
    expect(isTradingDay('2026-01-25', holidays)).toBe(false); // Sunday
    expect(isTradingDay('2026-01-26', holidays)).toBe(false); // Monday holiday
    expect(nextTradingDay('2026-01-23', holidays)).toBe('2026-01-27');
    expect(previousTradingDay('2026-01-27', holidays)).toBe('2026-01-23');
    expect(tradingDayOnOrBefore('2026-01-27', holidays)).toBe('2026-01-27');
  });

  it('rejects malformed holiday dates by name', () => {
    expect(() => holidaySet(['2026-02-30'])).toThrow(/2026-02-30 does not exist/);
    expect(() => holidaySet(['26/01/2026'])).toThrow(/YYYY-MM-DD.*26\/01\/2026/);
  });
});

describe('expiries', () => {
  it('lists every Tuesday for NIFTY weeklies, with the last Tuesday as the monthly', () => {
    const from = ist('2026-01-01', '10:00');
    expect(upcomingExpiries(NIFTY, from, 6)).toEqual(['2026-01-06', '2026-01-13', '2026-01-20', '2026-01-27', '2026-02-03', '2026-02-10']);
    const schedule = expirySchedule(NIFTY, from, 5);
    expect(schedule.filter((e) => e.monthly).map((e) => e.date)).toEqual(['2026-01-27']);
  });

  it('lists only the last Tuesday of the month for BANKNIFTY, FINNIFTY and MIDCPNIFTY', () => {
    const from = ist('2026-01-01', '10:00');
    const monthlies = ['2026-01-27', '2026-02-24', '2026-03-31', '2026-04-28'];
    expect(upcomingExpiries(BANKNIFTY, from, 4)).toEqual(monthlies);
    expect(upcomingExpiries(FINNIFTY, from, 4)).toEqual(monthlies);
    expect(upcomingExpiries(MIDCPNIFTY, from, 4)).toEqual(monthlies);
    expect(expirySchedule(BANKNIFTY, from, 4).every((e) => e.monthly)).toBe(true);
  });

  it('picks the fifth Tuesday when a month has five (March 2026)', () => {
    expect(upcomingExpiries(BANKNIFTY, ist('2026-03-25', '12:00'), 1)).toEqual(['2026-03-31']);
  });

  it('lists every Thursday for SENSEX', () => {
    expect(upcomingExpiries(SENSEX, ist('2025-12-31', '12:00'), 4)).toEqual(['2026-01-01', '2026-01-08', '2026-01-15', '2026-01-22']);
  });

  it("keeps the day's contract until 15:30 IST and drops it from the close", () => {
    expect(upcomingExpiries(NIFTY, ist('2026-01-06', '15:29:59'), 1)).toEqual(['2026-01-06']);
    expect(upcomingExpiries(NIFTY, ist('2026-01-06', '15:30'), 1)).toEqual(['2026-01-13']);
    expect(upcomingExpiries(BANKNIFTY, ist('2026-01-27', '15:30'), 1)).toEqual(['2026-02-24']);
  });

  it('moves an expiry on a Tuesday holiday to the Monday before', () => {
    const holidays = holidaySet(['2026-03-03']);
    const schedule = expirySchedule(NIFTY, ist('2026-02-28', '10:00'), 2, holidays);
    expect(schedule[0]).toEqual({ date: '2026-03-02', scheduledDate: '2026-03-03', monthly: false });
    expect(schedule[1].date).toBe('2026-03-10');
  });

  it('moves a Thursday SENSEX expiry on a holiday to Wednesday', () => {
    expect(upcomingExpiries(SENSEX, ist('2026-01-12', '10:00'), 1, holidaySet(['2026-01-15']))).toEqual(['2026-01-14']);
  });

  it('walks a holiday chain back over the weekend to the last trading day', () => {
    // Monthly expiry Tuesday 31 March; Tuesday and Monday are holidays: Friday 27 March.
    const holidays = holidaySet(['2026-03-31', '2026-03-30']);
    expect(upcomingExpiries(BANKNIFTY, ist('2026-03-02', '10:00'), 2, holidays)).toEqual(['2026-03-27', '2026-04-28']);
    // And a holiday on that Friday too: Thursday 26 March.
    const longer = holidaySet(['2026-03-31', '2026-03-30', '2026-03-27']);
    expect(upcomingExpiries(BANKNIFTY, ist('2026-03-02', '10:00'), 1, longer)).toEqual(['2026-03-26']);
  });

  it('drops a moved expiry once its adjusted day has closed, even before the scheduled day', () => {
    const holidays = holidaySet(['2026-03-03']);
    expect(upcomingExpiries(NIFTY, ist('2026-03-02', '14:00'), 1, holidays)).toEqual(['2026-03-02']);
    expect(upcomingExpiries(NIFTY, ist('2026-03-02', '16:00'), 1, holidays)).toEqual(['2026-03-10']);
  });

  it('returns nothing for a count of zero', () => {
    expect(upcomingExpiries(NIFTY, ist('2026-01-01', '10:00'), 0)).toEqual([]);
  });
});

describe('market session', () => {
  const holidays = holidaySet(['2026-01-26']);

  it('is open from 09:15 inclusive to 15:30 exclusive IST on a trading day', () => {
    expect(isMarketOpen(ist('2026-01-06', '09:14:59'), holidays)).toBe(false);
    expect(isMarketOpen(ist('2026-01-06', '09:15'), holidays)).toBe(true);
    expect(isMarketOpen(ist('2026-01-06', '15:29:59'), holidays)).toBe(true);
    expect(isMarketOpen(ist('2026-01-06', '15:30'), holidays)).toBe(false);
  });

  it('is closed on weekends and holidays', () => {
    expect(isMarketOpen(ist('2026-01-24', '11:00'), holidays)).toBe(false); // Saturday
    expect(isMarketOpen(ist('2026-01-26', '11:00'), holidays)).toBe(false); // Republic Day (listed)
  });

  it('reports the session in progress, or the next one when closed', () => {
    expect(marketSession(ist('2026-01-06', '11:00'), holidays)).toEqual({ open: true, date: '2026-01-06', ...sessionBounds('2026-01-06') });
    expect(marketSession(ist('2026-01-06', '08:00'), holidays)).toEqual({ open: false, date: '2026-01-06', ...sessionBounds('2026-01-06') });
    // Friday after the close, Monday a holiday: Tuesday.
    const next = marketSession(ist('2026-01-23', '16:00'), holidays);
    expect(next.date).toBe('2026-01-27');
    expect(next.opensAt).toBe(ist('2026-01-27', '09:15'));
    expect(next.closesAt).toBe(ist('2026-01-27', '15:30'));
  });

  it('advances trading time through sessions only, skipping nights, weekends and holidays', () => {
    const minute = 60_000;
    expect(advanceTradingTime(ist('2026-01-06', '10:00'), 5 * minute)).toBe(ist('2026-01-06', '10:05'));
    expect(advanceTradingTime(ist('2026-01-23', '15:29'), 2 * minute, holidays)).toBe(ist('2026-01-27', '09:16'));
    expect(advanceTradingTime(ist('2026-01-24', '12:00'), 0, holidays)).toBe(ist('2026-01-27', '09:15'));
    // A whole session (375 minutes) from an open lands on the next open.
    expect(advanceTradingTime(ist('2026-01-06', '09:15'), 375 * minute)).toBe(ist('2026-01-07', '09:15'));
  });
});
