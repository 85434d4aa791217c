/** Underlyings and their expiries. */
import { builder, badArgument, type Context } from './builder.ts';
import type { Instrument } from '../core/instruments.ts';
import { findExpiries } from '../db/queries/readChain.ts';
import { upcomingExpiries } from '../core/calendar.ts';
import { istDate } from '../core/time/expiry.ts';

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

builder.queryField('expiries', (t) =>
  t.field({
    type: ['Date'],
    description:
      'Expiry dates of a symbol that have not expired yet: those with stored chains, merged with the exchange calendar, ascending.',
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      includeExpired: t.arg.boolean({ defaultValue: false, description: 'Also list past expiries that have stored chains.' }),
    },
    resolve: async (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      const now = context.now();
      const today = istDate(now);
      const stored = await findExpiries(context.db, instrument.symbol, args.includeExpired ? undefined : today);
      const scheduled = upcomingExpiries(instrument, now, 4, context.holidays);
      return [...new Set([...stored, ...scheduled])].sort();
    },
  }),
);
