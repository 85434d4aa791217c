/** Number formatting for the tables and strips: every unit is shown beside its value or in the column header. */

const fixed = new Map<number, Intl.NumberFormat>();
function formatter(digits: number): Intl.NumberFormat {
  let f = fixed.get(digits);
  if (!f) fixed.set(digits, (f = new Intl.NumberFormat('en-IN', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f;
}

/** A number with `digits` decimals, or an en dash when absent. */
export function num(value: number | null | undefined, digits = 2): string {
  return value == null || !Number.isFinite(value) ? '–' : formatter(digits).format(value);
}

/** A signed number (+1.20, −0.40). */
export function signed(value: number | null | undefined, digits = 2): string {
  if (value == null || !Number.isFinite(value)) return '–';
  return `${value > 0 ? '+' : ''}${formatter(digits).format(value)}`;
}

/** A decimal fraction (0.142) as a percentage (14.2%). */
export function pct(value: number | null | undefined, digits = 1): string {
  return value == null || !Number.isFinite(value) ? '–' : `${formatter(digits).format(value * 100)}%`;
}

/** Contracts in lakhs/thousands the way Indian traders read OI (12.3L, 45.6K). */
export function contracts(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e7) return `${formatter(2).format(value / 1e7)}Cr`;
  if (abs >= 1e5) return `${formatter(2).format(value / 1e5)}L`;
  if (abs >= 1e3) return `${formatter(1).format(value / 1e3)}K`;
  return formatter(0).format(value);
}

/** A time of day in IST (the exchange's clock). */
export function istTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata', hour12: false });
}
