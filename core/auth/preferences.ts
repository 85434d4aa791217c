/**
 * A user's preferences document and watchlist items, validated before they
 * are stored: unknown keys are refused, each bad value is named.
 */
import { z } from 'zod';

export const CHAIN_COLUMNS = ['ltp', 'change', 'changePercent', 'previousClose', 'bid', 'ask', 'volume', 'oi', 'oiChange', 'iv', 'delta', 'gamma', 'theta', 'vega', 'rho', 'theoreticalPrice'] as const;
export const GEX_CONVENTION_VALUES = ['dealer-long-calls-short-puts', 'dealer-short-calls-long-puts', 'unsigned'] as const;

export const preferencesSchema = z
  .object({
    defaultSymbol: z.string().regex(/^[A-Z0-9]{1,20}$/, 'a symbol in capitals such as NIFTY').optional(),
    chainColumns: z.array(z.enum(CHAIN_COLUMNS)).max(CHAIN_COLUMNS.length).optional(),
    theme: z.enum(['light', 'dark', 'system']).optional(),
    gexConvention: z.enum(GEX_CONVENTION_VALUES).optional(),
  })
  .strict();
export type Preferences = z.infer<typeof preferencesSchema>;

export const watchlistItemSchema = z
  .object({
    symbol: z.string().regex(/^[A-Z0-9]{1,20}$/, 'a symbol in capitals such as NIFTY'),
    expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').nullish(),
    /** Index points. */
    strike: z.number().positive().finite().nullish(),
  })
  .strict();
export type WatchlistItem = z.infer<typeof watchlistItemSchema>;
export const MAX_WATCHLIST_ITEMS = 200;
export const MAX_WATCHLISTS_PER_USER = 50;
export const watchlistItemsSchema = z.array(watchlistItemSchema).max(MAX_WATCHLIST_ITEMS);

/** Zod issues as one sentence naming each path. */
export function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`).join('; ');
}
