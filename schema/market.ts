/**
 * Underlyings and their expiries: which expiries have stored chains, the
 * nearest one with data (what optionChain and chainUpdated take when
 * `expiry` is omitted), and the typed errors that say which expiry to ask
 * for instead.
 */
import type { GraphQLError } from 'graphql';
import { builder, badArgument, noData, readDatabase, DATABASE_READ_COST, type Context } from './builder.ts';
import type { Instrument } from '../core/instruments.ts';
import { findStoredExpiries, type StoredExpiry } from '../db/queries/storedExpiries.ts';
import { addDays, upcomingExpiries } from '../core/calendar.ts';
import { expiryInstant, istDate } from '../core/time/expiry.ts';

export const InstrumentType = builder.objectRef<Instrument>('Instrument').implement({
  description: 'An index underlying with its contract specification.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Trading symbol, e.g. NIFTY.' }),
    exchange: t.exposeString('exchange', { description: 'NSE or BSE.' }),
    lotSize: t.exposeInt('lotSize', {
      description: "Units of the index per contract for newly listed contracts (the exchange's latest lot size revision); a chain's own lotSize is the one of its expiry and date.",
    }),
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
  const stored = await readDatabase(context, (db) => findStoredExpiries(db, instrument.symbol, includeExpired ? {} : { fromDate: firstUnexpiredDate(now) }));
  const byDate = new Map(stored.map((e) => [e.expiry, e]));
  const scheduled = upcomingExpiries(instrument, now, CALENDAR_EXPIRIES, context.holidays);
  return [...new Set([...byDate.keys(), ...scheduled])].sort().map((date) => ({ date, expiresAt: expiryInstant(date), stored: byDate.get(date) }));
}

/** The first date whose expiry (15:30 IST) is after `ms`: today in IST until the close, then tomorrow. */
export function firstUnexpiredDate(ms: number): string {
  const today = istDate(ms);
  return expiryInstant(today) > ms ? today : addDays(today, 1);
}

/** What an error message says about the listed expiries, for a reader who must pick one. */
export function describeExpiries(symbol: string, listed: readonly ListedExpiry[]): string {
  const withData = datesWithData(listed);
  const withoutData = listed.filter((e) => !e.stored).map((e) => e.date);
  const data = withData.length ? `expiries of ${symbol} with data: ${withData.join(', ')}` : `no expiry of ${symbol} has data yet (the source may still be starting)`;
  return `${data}${withoutData.length ? `; upcoming without data yet: ${withoutData.join(', ')}` : ''} (see expiryList)`;
}

/** The dates of the listed expiries that have stored chains. */
export function datesWithData(listed: readonly ListedExpiry[]): string[] {
  return listed.filter((e) => e.stored).map((e) => e.date);
}

/**
 * The nearest expiry with a stored chain: the earliest not expired at `at`
 * (now when absent) with a snapshot at or before it; else a NO_DATA error
 * listing the expiries that have data.
 */
export async function nearestExpiryWithData(context: Context, instrument: Instrument, at?: Date): Promise<StoredExpiry> {
  return (await expiriesWithData(context, instrument, at, 1))[0];
}

/**
 * The expiries not expired at `at` (now when absent) with a snapshot at or
 * before it, ascending, at most `limit`; a NO_DATA error listing the
 * expiries that have data when there is none, naming `at` when given, else
 * `argument` (the one to change: `expiry`, or `symbol` for a field without one).
 */
export async function expiriesWithData(context: Context, instrument: Instrument, at?: Date, limit?: number, argument = 'expiry'): Promise<StoredExpiry[]> {
  const found = await readDatabase(context, (db) => findStoredExpiries(db, instrument.symbol, { fromDate: firstUnexpiredDate(at?.getTime() ?? context.now()), at, limit }));
  if (found.length > 0) return found;
  const listed = await listExpiries(context, instrument);
  const when = at ? `at or before ${at.toISOString()} for an expiry live then` : 'for an unexpired expiry';
  throw noData(at ? 'at' : argument, `No ${instrument.symbol} chain is stored ${when}; ${describeExpiries(instrument.symbol, listed)}`, datesWithData(listed));
}

/**
 * Why no chain of `expiry` will come, or undefined when it is one
 * `expiryList` lists as unexpired (with data, or upcoming in the calendar).
 */
export function whyNoUpdates(context: Context, instrument: Instrument, expiry: string, listed: readonly ListedExpiry[]): string | undefined {
  if (listed.some((e) => e.date === expiry)) return undefined;
  if (expiryInstant(expiry) <= context.now()) return `it expired at 15:30 IST on ${expiry}`;
  return `it is not one of the next ${CALENDAR_EXPIRIES} expiries in the ${instrument.symbol} calendar, and no chain of it is stored`;
}

/** An expiry that can still get updates (see whyNoUpdates), or a BAD_USER_INPUT error naming `expiry` and listing those that can. */
export async function requireUpdatableExpiry(context: Context, instrument: Instrument, expiry: string): Promise<string> {
  // An upcoming expiry of the calendar is fine without asking the database: a
  // burst of subscribers (clients reconnecting after a deploy) costs no reads.
  if (upcomingExpiries(instrument, context.now(), CALENDAR_EXPIRIES, context.holidays).includes(expiry)) return expiry;
  const listed = await listExpiries(context, instrument);
  const why = whyNoUpdates(context, instrument, expiry, listed);
  if (why === undefined) return expiry;
  throw badArgument('expiry', `No updates will come for ${instrument.symbol} expiry ${expiry}: ${why}; ${describeExpiries(instrument.symbol, listed)}`, {
    expiriesWithData: datesWithData(listed),
  });
}

/** The NO_DATA error for a chain that is not stored, saying what to ask for instead. */
export async function noChainError(context: Context, instrument: Instrument, expiry: string, at?: Date): Promise<GraphQLError> {
  const { symbol } = instrument;
  const listed = await listExpiries(context, instrument);
  // An unexpired expiry's data is in the listing; only a past one needs a lookup of its own.
  const listedOwn = listed.find((e) => e.date === expiry);
  const own = at && !listedOwn ? (await readDatabase(context, (db) => findStoredExpiries(db, symbol, { fromDate: expiry, toDate: expiry })))[0] : listedOwn?.stored;
  if (at && own) {
    return noData('at', `No ${symbol} ${expiry} chain is stored at or before ${at.toISOString()}: the first is from ${own.firstSnapshotAt.toISOString()}`, datesWithData(listed));
  }
  const why = whyNoUpdates(context, instrument, expiry, listed) ?? 'the source has not produced it yet';
  return noData('expiry', `No chain is stored for ${symbol} expiry ${expiry}: ${why}; ${describeExpiries(symbol, listed)}`, datesWithData(listed));
}

builder.queryField('expiryList', (t) =>
  t.field({
    type: [ExpiryType],
    description: `Expiries of a symbol, ascending, each saying whether chains of it are stored: the exchange calendar's next ${CALENDAR_EXPIRIES} (holidays applied) and every other with stored chains. An expiry has expired from 15:30 IST on its date; expired ones are listed only with \`includeExpired\`. Cost ${DATABASE_READ_COST} (a database read) plus what is selected.`,
    complexity: DATABASE_READ_COST,
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
    description: `Expiry dates of a symbol, as \`expiryList\` lists them (the calendar's next ${CALENDAR_EXPIRIES} and those with stored chains), without saying which have data. Cost ${DATABASE_READ_COST} (a database read).`,
    complexity: DATABASE_READ_COST,
    deprecationReason: 'Some of these dates have no data. Use `expiryList`: the same dates, each with `hasData` and its first and last stored snapshot.',
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      includeExpired: t.arg.boolean({ defaultValue: false, description: 'Also list past expiries that have stored chains.' }),
    },
    resolve: async (_root, args, context) => (await listExpiries(context, requireInstrument(context, args.symbol), args.includeExpired ?? false)).map((e) => e.date),
  }),
);
