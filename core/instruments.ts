/**
 * The underlyings the platform knows, in one table. Strike steps and Dhan ids
 * can be overridden through configuration (see core/config.ts).
 *
 * Lot sizes change by exchange circular, so each instrument carries its lot
 * size history as data (`lotSizes`, see `LotSizeRevision` and `lotSizeOn`);
 * `lotSize` is the newest entry, the one new contracts carry. `LOT_SIZES`
 * replaces the whole history of a symbol with one lot size for every date
 * and expiry.
 *
 * How NSE revises a lot (circulars of April 2024, October 2024, March 2025
 * and October 2025): from an effective date, newly listed contracts carry the
 * new lot; contracts already listed keep the old one until they expire, except
 * long-dated (quarterly, half-yearly) ones, which are converted on a stated
 * day. So the lot of a quote depends on the contract (its expiry) and on the
 * day: on 24 December 2025 NIFTY's 30 December monthly traded in lots of 75
 * and its 6 January weekly in lots of 65. `lotSizeOn` applies a revision to a
 * snapshot dated on or after its effective date whose expiry is on or after
 * the first expiry listed with the new lot. Not modelled: the weeks in which
 * an existing long-dated contract still had the old lot after the effective
 * date (at most a quarterly or half-yearly, which the platform does not poll
 * in practice), and the exceptions noted on an entry.
 */
export type Exchange = 'NSE' | 'BSE';

export interface ExpiryRule {
  /** ISO weekday of expiry: 1 = Monday … 7 = Sunday. NSE Tuesday, BSE Thursday since September 2025. */
  weekday: number;
  /** Every week (NIFTY, SENSEX) or only the last such weekday of the month. */
  weekly: boolean;
}

/** One lot size revision, as an exchange circular states it. */
export interface LotSizeRevision {
  /** Units of the underlying per contract. */
  lotSize: number;
  /** First trading day (IST, YYYY-MM-DD) on which contracts with this lot were listed; '' for the oldest entry. */
  effective: string;
  /** First expiry (YYYY-MM-DD) that carries this lot; later expiries carry it too. '' for the oldest entry. */
  firstExpiry: string;
  /** The circular or announcement, with what is not confirmed by it. */
  source: string;
  /** Whether both dates are confirmed by the exchange's circular (as reported); false when one of them is inferred. */
  confirmed: boolean;
}

export interface Instrument {
  symbol: string;
  exchange: Exchange;
  /** Units of the underlying per contract for newly listed contracts: the newest entry of `lotSizes`. */
  lotSize: number;
  /** Lot size history, oldest first (see `lotSizeOn`). */
  lotSizes: readonly LotSizeRevision[];
  /** Distance between listed strikes, index points. */
  strikeStep: number;
  expiry: ExpiryRule;
  /** Dhan's security id of the index and its exchange segment. */
  dhanSecurityId: number;
  dhanSegment: string;
  /** Simulator starting point: a plausible index level and ATM volatility (decimal). */
  simulatorSpot: number;
  simulatorVol: number;
}

const OCT_2024 = 'NSE circular of 18 October 2024 (SEBI minimum contract value of ₹15 lakh): new contracts from 20 November 2024; existing weekly and monthly contracts keep the old lot until they expire';
const MAR_2025 = 'NSE circular of 28 March 2025: new contracts from 25 April 2025; the April, May and June 2025 monthlies keep the old lot, the first monthly with the new lot is July 2025 (31 July)';
const OCT_2025 = 'NSE/FAOP/70616 of 3 October 2025, in force from the end of 28 October 2025: weekly and monthly contracts expiring from January 2026 carry the new lot (NIFTY weekly 6 January, monthlies 27 January 2026); December 2025 expiries keep the old lot; quarterly and half-yearly contracts converted after 30 December 2025';
const NOV_2024_INFERRED = 'the first expiry with the new lot is inferred (the January 2025 monthly was listed before 20 November and reportedly kept the old lot), not confirmed';

/** Lot size histories, oldest first. Dates are IST calendar days. */
const LOT_SIZES: Record<string, LotSizeRevision[]> = {
  NIFTY: [
    { lotSize: 50, effective: '', firstExpiry: '', source: 'NSE/FAOP/47854 of 31 March 2021 (75 → 50)', confirmed: true },
    { lotSize: 25, effective: '2024-04-26', firstExpiry: '2024-05-02', source: 'NSE circular of 2 April 2024 (50 → 25): new contracts from 26 April 2024, first weekly expiry 2 May, first monthly 30 May 2024', confirmed: true },
    {
      lotSize: 75,
      effective: '2024-11-20',
      firstExpiry: '2025-01-02',
      source: `${OCT_2024} (25 → 75); the first expiry with 75 (the 2 January 2025 weekly) is from a broker note, not the circular, and the 30 January 2025 monthly, which reportedly kept 25, is not modelled`,
      confirmed: false,
    },
    { lotSize: 65, effective: '2025-10-29', firstExpiry: '2026-01-06', source: `${OCT_2025} (75 → 65)`, confirmed: true },
  ],
  BANKNIFTY: [
    { lotSize: 15, effective: '', firstExpiry: '', source: 'NSE circular of March 2023 (25 → 15 from the July 2023 monthly)', confirmed: true },
    { lotSize: 30, effective: '2024-11-20', firstExpiry: '2025-02-01', source: `${OCT_2024} (15 → 30); ${NOV_2024_INFERRED}`, confirmed: false },
    { lotSize: 35, effective: '2025-04-25', firstExpiry: '2025-07-01', source: `${MAR_2025} (30 → 35)`, confirmed: true },
    { lotSize: 30, effective: '2025-10-29', firstExpiry: '2026-01-01', source: `${OCT_2025} (35 → 30)`, confirmed: true },
  ],
  FINNIFTY: [
    { lotSize: 40, effective: '', firstExpiry: '', source: 'the lot before the April 2024 revision (its "present market lot")', confirmed: true },
    { lotSize: 25, effective: '2024-04-26', firstExpiry: '2024-07-30', source: 'NSE circular of 2 April 2024 (40 → 25): first monthly expiry 30 July 2024, first weekly 6 August 2024', confirmed: true },
    { lotSize: 65, effective: '2024-11-20', firstExpiry: '2025-02-01', source: `${OCT_2024} (25 → 65); ${NOV_2024_INFERRED}`, confirmed: false },
    { lotSize: 60, effective: '2025-10-29', firstExpiry: '2026-01-01', source: `${OCT_2025} (65 → 60)`, confirmed: true },
  ],
  MIDCPNIFTY: [
    { lotSize: 75, effective: '', firstExpiry: '', source: 'the lot before the April 2024 revision (its "present market lot")', confirmed: true },
    { lotSize: 50, effective: '2024-04-26', firstExpiry: '2024-07-29', source: 'NSE circular of 2 April 2024 (75 → 50): first monthly expiry 29 July 2024, first weekly 5 August 2024', confirmed: true },
    { lotSize: 120, effective: '2024-11-20', firstExpiry: '2025-02-01', source: `${OCT_2024} (50 → 120); ${NOV_2024_INFERRED}`, confirmed: false },
    { lotSize: 140, effective: '2025-04-25', firstExpiry: '2025-07-01', source: `${MAR_2025} (120 → 140)`, confirmed: true },
    { lotSize: 120, effective: '2025-10-29', firstExpiry: '2026-01-01', source: `${OCT_2025} (140 → 120)`, confirmed: true },
  ],
  SENSEX: [
    { lotSize: 10, effective: '', firstExpiry: '', source: 'BSE lot before the revision of late 2024', confirmed: true },
    {
      lotSize: 20,
      effective: '2024-11-20',
      firstExpiry: '2025-01-01',
      source: "BSE revision of late 2024 (10 → 20, as brokers summarise it): the effective date (taken as NSE's), the first expiry with 20 (after the December 2024 expiries, per a broker note) and the lot of 20 from 2025 on are not confirmed from BSE's circular",
      confirmed: false,
    },
  ],
};

type InstrumentSpec = Omit<Instrument, 'lotSize' | 'lotSizes'>;

function withLotSizes(spec: InstrumentSpec): Instrument {
  const lotSizes = LOT_SIZES[spec.symbol];
  return { ...spec, lotSize: lotSizes[lotSizes.length - 1].lotSize, lotSizes };
}

export const INSTRUMENTS: readonly Instrument[] = (
  [
    { symbol: 'NIFTY', exchange: 'NSE', strikeStep: 50, expiry: { weekday: 2, weekly: true }, dhanSecurityId: 13, dhanSegment: 'IDX_I', simulatorSpot: 24_000, simulatorVol: 0.13 },
    { symbol: 'BANKNIFTY', exchange: 'NSE', strikeStep: 100, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 25, dhanSegment: 'IDX_I', simulatorSpot: 52_000, simulatorVol: 0.15 },
    { symbol: 'FINNIFTY', exchange: 'NSE', strikeStep: 50, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 27, dhanSegment: 'IDX_I', simulatorSpot: 24_500, simulatorVol: 0.14 },
    { symbol: 'MIDCPNIFTY', exchange: 'NSE', strikeStep: 25, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 442, dhanSegment: 'IDX_I', simulatorSpot: 12_500, simulatorVol: 0.17 },
    { symbol: 'SENSEX', exchange: 'BSE', strikeStep: 100, expiry: { weekday: 4, weekly: true }, dhanSecurityId: 51, dhanSegment: 'IDX_I', simulatorSpot: 79_000, simulatorVol: 0.13 },
  ] satisfies InstrumentSpec[]
).map(withLotSizes);

/**
 * Units of the underlying per contract for the contract expiring on `expiry`,
 * traded on `tradeDate` (both YYYY-MM-DD, IST): the newest revision whose
 * effective date is on or before `tradeDate` and whose first expiry is on or
 * before `expiry`, else the oldest entry (see the module doc).
 */
export function lotSizeOn(instrument: Pick<Instrument, 'lotSizes'>, tradeDate: string, expiry: string): number {
  const { lotSizes } = instrument;
  let lotSize = lotSizes[0].lotSize;
  for (const revision of lotSizes) {
    if (revision.effective <= tradeDate && revision.firstExpiry <= expiry) lotSize = revision.lotSize;
  }
  return lotSize;
}

export type InstrumentOverrides = Partial<Record<string, Partial<Pick<Instrument, 'lotSize' | 'strikeStep' | 'dhanSecurityId' | 'dhanSegment'>>>>;

/** The instrument table with per-symbol overrides applied; a lot size override holds for every date and expiry. */
export function instrumentTable(overrides: InstrumentOverrides = {}): Map<string, Instrument> {
  const table = new Map<string, Instrument>();
  for (const instrument of INSTRUMENTS) {
    const override = overrides[instrument.symbol] ?? {};
    const lotSizes =
      override.lotSize === undefined
        ? instrument.lotSizes
        : [{ lotSize: override.lotSize, effective: '', firstExpiry: '', source: 'LOT_SIZES override', confirmed: true }];
    table.set(instrument.symbol, { ...instrument, ...override, lotSizes });
  }
  return table;
}
