/**
 * The underlyings the platform knows, in one table. Lot sizes and strike
 * steps change by exchange circular: every field can be overridden through
 * configuration (see core/config.ts), and the values here are the ones in
 * force for expiries from January 2026 (NSE circulars; SENSEX unconfirmed).
 */
export type Exchange = 'NSE' | 'BSE';

export interface ExpiryRule {
  /** ISO weekday of expiry: 1 = Monday … 7 = Sunday. NSE Tuesday, BSE Thursday since September 2025. */
  weekday: number;
  /** Every week (NIFTY, SENSEX) or only the last such weekday of the month. */
  weekly: boolean;
}

export interface Instrument {
  symbol: string;
  exchange: Exchange;
  /** Units of the underlying per contract. */
  lotSize: number;
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

export const INSTRUMENTS: readonly Instrument[] = [
  { symbol: 'NIFTY', exchange: 'NSE', lotSize: 65, strikeStep: 50, expiry: { weekday: 2, weekly: true }, dhanSecurityId: 13, dhanSegment: 'IDX_I', simulatorSpot: 24_000, simulatorVol: 0.13 },
  { symbol: 'BANKNIFTY', exchange: 'NSE', lotSize: 30, strikeStep: 100, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 25, dhanSegment: 'IDX_I', simulatorSpot: 52_000, simulatorVol: 0.15 },
  { symbol: 'FINNIFTY', exchange: 'NSE', lotSize: 60, strikeStep: 50, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 27, dhanSegment: 'IDX_I', simulatorSpot: 24_500, simulatorVol: 0.14 },
  { symbol: 'MIDCPNIFTY', exchange: 'NSE', lotSize: 120, strikeStep: 25, expiry: { weekday: 2, weekly: false }, dhanSecurityId: 442, dhanSegment: 'IDX_I', simulatorSpot: 12_500, simulatorVol: 0.17 },
  { symbol: 'SENSEX', exchange: 'BSE', lotSize: 20, strikeStep: 100, expiry: { weekday: 4, weekly: true }, dhanSecurityId: 51, dhanSegment: 'IDX_I', simulatorSpot: 79_000, simulatorVol: 0.13 },
];

export type InstrumentOverrides = Partial<Record<string, Partial<Pick<Instrument, 'lotSize' | 'strikeStep' | 'dhanSecurityId' | 'dhanSegment'>>>>;

/** The instrument table with per-symbol overrides applied. */
export function instrumentTable(overrides: InstrumentOverrides = {}): Map<string, Instrument> {
  const table = new Map<string, Instrument>();
  for (const instrument of INSTRUMENTS) table.set(instrument.symbol, { ...instrument, ...overrides[instrument.symbol] });
  return table;
}
