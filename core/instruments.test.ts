import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, instrumentTable, lotSizeOn } from './instruments.ts';

const table = instrumentTable();
const nifty = table.get('NIFTY')!;

describe('lot size history', () => {
  it('is ordered by effective date and first expiry, and its newest entry is the current lot size', () => {
    for (const instrument of INSTRUMENTS) {
      const { lotSizes } = instrument;
      expect(lotSizes.length, instrument.symbol).toBeGreaterThan(0);
      expect(lotSizes[0]).toMatchObject({ effective: '', firstExpiry: '' });
      for (let i = 1; i < lotSizes.length; i++) {
        const { effective, firstExpiry } = lotSizes[i];
        expect(effective, instrument.symbol).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(firstExpiry >= effective, `${instrument.symbol} ${effective}`).toBe(true);
        expect(effective > lotSizes[i - 1].effective && firstExpiry > lotSizes[i - 1].firstExpiry).toBe(true);
      }
      expect(instrument.lotSize).toBe(lotSizes.at(-1)!.lotSize);
    }
  });

  it('gives NIFTY 25 before November 2024, 75 through the December 2025 expiries, and 65 for expiries from January 2026', () => {
    // Dhan's older documented sample (spot 24,964.25, expiry 31 October 2024) is in multiples of 25.
    expect(lotSizeOn(nifty, '2024-10-24', '2024-10-31')).toBe(25);
    expect(lotSizeOn(nifty, '2024-03-28', '2024-04-25')).toBe(50);
    expect(lotSizeOn(nifty, '2025-06-10', '2025-06-26')).toBe(75);
    expect(lotSizeOn(nifty, '2026-01-20', '2026-01-27')).toBe(65);
  });

  it('keys a revision on the contract as well as the day: two NIFTY expiries traded the same day can differ', () => {
    // 24 December 2025: the 30 December monthly keeps 75, the 6 January 2026 weekly was listed with 65.
    expect(lotSizeOn(nifty, '2025-12-24', '2025-12-30')).toBe(75);
    expect(lotSizeOn(nifty, '2025-12-24', '2026-01-06')).toBe(65);
    // Before the circular took effect (end of 28 October 2025) a March 2026 contract still had 75.
    expect(lotSizeOn(nifty, '2025-10-28', '2026-03-31')).toBe(75);
    expect(lotSizeOn(nifty, '2025-10-29', '2026-03-31')).toBe(65);
  });

  it('follows BANKNIFTY through 30 and 35 back to 30', () => {
    const bank = table.get('BANKNIFTY')!;
    expect(lotSizeOn(bank, '2025-05-20', '2025-05-29')).toBe(30); // existing monthly kept 30 after 25 April 2025
    expect(lotSizeOn(bank, '2025-05-20', '2025-07-31')).toBe(35);
    expect(lotSizeOn(bank, '2025-12-24', '2025-12-30')).toBe(35);
    expect(lotSizeOn(bank, '2025-12-24', '2026-01-27')).toBe(30);
  });

  it('says which entries the exchange circulars do not confirm', () => {
    const unconfirmed = INSTRUMENTS.flatMap((i) => i.lotSizes.filter((r) => !r.confirmed).map((r) => `${i.symbol} ${r.lotSize}`));
    expect(unconfirmed).toEqual(['NIFTY 75', 'BANKNIFTY 30', 'FINNIFTY 65', 'MIDCPNIFTY 120', 'SENSEX 20']);
  });

  it('replaces the whole history with a LOT_SIZES override, for every date and expiry', () => {
    const overridden = instrumentTable({ NIFTY: { lotSize: 75 } }).get('NIFTY')!;
    expect(overridden.lotSize).toBe(75);
    expect(lotSizeOn(overridden, '2024-10-24', '2024-10-31')).toBe(75);
    expect(lotSizeOn(overridden, '2026-01-20', '2026-01-27')).toBe(75);
    expect(instrumentTable({ NIFTY: { strikeStep: 100 } }).get('NIFTY')!.lotSizes).toBe(nifty.lotSizes);
  });
});
