/** Underlyings and their expiries, and which expiries have stored chains. */
import { builder, badArgument, type Context } from './builder.ts';
import type { Instrument } from '../core/instruments.ts';
import { findStoredExpiries, type StoredExpiry } from '../db/queries/storedExpiries.ts';
import { addDays, upcomingExpiries } from '../core/calendar.ts';
import { expiryInstant, istDate } from '../core/time/expiry.ts';

export const InstrumentType = builder.objectRef<Instrument>('Instrument').implement({
  description: 'An index underlying with its contract specification.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Trading symbol, e.g. NIFTY.' }),
    exchange: t.exposeString('exchange', { description: 'NSE or BSE.' }),
    lotSize: t.exposeInt('lotSize', { description: 'Units of the index per contract.' }),
    strikeStep: t.exposeFloat('strikeStep', { description: 'Distance between listed strikes, index points.' }),
    expiryWeekday: t.int({ description: 'ISO weekday of expiry (2 = Tuesday, 4 = Thursday).', resolve: (i) => i.expiry.weekday }),
    weeklyExpiries: t.boolean({ description: 'Whether the index has weekly expiries (else monthly only).', resolve: (i) => i.expiry.weekly }),
  }),
});

export const ExpiryType = builder.objectRef<ListedExpiry>('Expiry').implement({
  description: 'An expiry of an underlying, and whether chains of it are stored.',
  fields: (t) => ({
    date: t.field({
      type: 'Date',
      description: 'Expiry date, YYYY-MM-DD: the `expiry` argument of optionChain, chainUpdated and chainHistory.',
      resolve: (e) => e.date,
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the contracts expire: 15:30 IST on `date`.', resolve: (e) => e.expiresAt }),
    hasData: t.boolean({
      description:
        'Whether chains of this expiry are stored, so optionChain answers it. False for a calendar expiry the source has not produced yet: the simulator produces only the nearest EXPIRIES_PER_SYMBOL (default 2) expiries, and the next one from when the nearest expires.',
      resolve: (e) => e.stored !== undefined,
    }),
    firstSnapshotAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the first stored chain of this expiry was taken: the earliest `at` optionChain answers. Null without data.',
      resolve: (e) => e.stored?.firstSnapshotAt ?? null,
    }),
    lastSnapshotAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the latest stored chain of this expiry was taken (close to now while the source produces it). Null without data.',
      resolve: (e) => e.stored?.lastSnapshotAt ?? null,
    }),
  }),
});

/** The instrument for a symbol argument, or a typed error naming the argument. */
export function requireInstrument(context: Context, symbol: string, argument = 'symbol'): Instrument {
  const instrument = context.instruments.get(symbol.toUpperCase());
  if (!instrument) {
    throw badArgument(argument, `Unknown symbol ${JSON.stringify(symbol)}; known symbols: ${[...context.instruments.keys()].join(', ')}`);
  }
  return instrument;
}

builder.queryField('symbols', (t) =>
  t.field({
    type: [InstrumentType],
    description: 'Every underlying the platform serves.',
    resolve: (_root, _args, context) => [...context.instruments.values()],
  }),
);

/** How many upcoming expiries of the exchange calendar `expiryList` lists. */
export const CALENDAR_EXPIRIES = 4;

/** One expiry as `expiryList` lists it. */
export interface ListedExpiry {
  /** YYYY-MM-DD. */
  date: string;
  /** 15:30 IST on `date`, epoch ms. */
  expiresAt: number;
  /** Its stored chains; undefined without data. */
  stored: StoredExpiry | undefined;
}

/**
 * The expiries of an instrument, ascending: the exchange calendar's next
 * CALENDAR_EXPIRIES and every other unexpired one with stored chains; with
 * `includeExpired`, also the past ones with stored chains.
 */
export async function listExpiries(context: Context, instrument: Instrument, includeExpired = false): Promise<ListedExpiry[]> {
  const now = context.now();
  const stored = await findStoredExpiries(context.db, instrument.symbol, includeExpired ? {} : { fromDate: firstUnexpiredDate(now) });
  const byDate = new Map(stored.map((e) => [e.expiry, e]));
  const scheduled = upcomingExpiries(instrument, now, CALENDAR_EXPIRIES, context.holidays);
  return [...new Set([...byDate.keys(), ...scheduled])].sort().map((date) => ({ date, expiresAt: expiryInstant(date), stored: byDate.get(date) }));
}

/** The first date whose expiry (15:30 IST) is after `ms`: today in IST until the close, then tomorrow. */
function firstUnexpiredDate(ms: number): string {
  const today = istDate(ms);
  return expiryInstant(today) > ms ? today : addDays(today, 1);
}

builder.queryField('expiryList', (t) =>
  t.field({
    type: [ExpiryType],
    description: `Expiries of a symbol, ascending, each saying whether chains of it are stored: the exchange calendar's next ${CALENDAR_EXPIRIES} (holidays applied) and every other with stored chains. An expiry has expired from 15:30 IST on its date; expired ones are listed only with \`includeExpired\`.`,
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      includeExpired: t.arg.boolean({ defaultValue: false, description: 'Also list past expiries that have stored chains.' }),
    },
    resolve: (_root, args, context) => listExpiries(context, requireInstrument(context, args.symbol), args.includeExpired ?? false),
  }),
);

builder.queryField('expiries', (t) =>
  t.field({
    type: ['Date'],
    description: `Expiry dates of a symbol, as \`expiryList\` lists them (the calendar's next ${CALENDAR_EXPIRIES} and those with stored chains), without saying which have data.`,
    deprecationReason: 'Some of these dates have no data. Use `expiryList`: the same dates, each with `hasData` and its first and last stored snapshot.',
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      includeExpired: t.arg.boolean({ defaultValue: false, description: 'Also list past expiries that have stored chains.' }),
    },
    resolve: async (_root, args, context) => (await listExpiries(context, requireInstrument(context, args.symbol), args.includeExpired ?? false)).map((e) => e.date),
  }),
);
