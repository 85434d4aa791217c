/**
 * Durations written as PostgreSQL intervals in the configuration
 * ("90 minutes", "1 hour", "30 days", "2 weeks"): one whole number and one
 * unit, the form core/config.ts accepts, so the same text can go to SQL as
 * an interval and be compared in milliseconds here.
 */
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** The pattern of such an interval; the unit may be singular or plural. */
export const INTERVAL_PATTERN = /^(\d+)\s+(minute|hour|day|week)s?$/;

/** Milliseconds in an interval such as "1 hour" or "30 days"; throws on any other form. */
export function intervalMs(text: string): number {
  const match = INTERVAL_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`expected an interval such as "1 hour" or "30 days", got ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2]];
}
