import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { schema } from './index.ts';
import { accessRefusal, OPEN_ROOT_FIELDS, ROOT_FIELD_FEATURES } from './access.ts';
import { defaultPlans } from '../core/auth/plans.ts';
import type { Caller } from '../core/auth/caller.ts';

const plans = defaultPlans({ requestsPerWindow: 300, costPerWindow: 1_000_000, maxDepth: 8, maxSubscriptions: 20, maxConnections: 20 });
const free: Caller = { kind: 'user', userId: 'u', role: 'free', plan: plans.free, scopes: new Set(['read', 'stream']), identity: 'user:u', address: '127.0.0.1' };
const refusal = (query: string, caller: Caller = free, variables = {}) => accessRefusal(schema, parse(query), variables, undefined, caller, { allowAnonymous: true, now: Date.now() });

describe('plan access', () => {
  it('decides every root field: a feature, or open to all (a new field fails here until it is given one)', () => {
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => Object.keys(type?.getFields() ?? {}));
    expect(roots.filter((name) => !(name in ROOT_FIELD_FEATURES) && !OPEN_ROOT_FIELDS.has(name))).toEqual([]);
  });

  it('finds a symbol outside the plan in a variable, a list and a fragment', () => {
    expect(refusal('query($s: String!) { marketMood(symbol: $s) { symbol } }', free, { s: 'SENSEX' })?.extensions.missing).toBe('symbol:SENSEX');
    expect(refusal('{ marketOverview(symbols: ["NIFTY", "FINNIFTY"]) { symbol } }')?.extensions.missing).toBe('symbol:FINNIFTY');
    expect(refusal('{ ...F } fragment F on Query { expiries(symbol: "MIDCPNIFTY") }')?.extensions.missing).toBe('symbol:MIDCPNIFTY');
    expect(refusal('{ expiries(symbol: "nifty") }')).toBeNull();
  });

  it("finds the symbol a calculator names inside its input or the input's option", () => {
    const legs = '[{ instrument: OPTION, right: CALL, strike: 80000, expiry: "2030-01-03", action: BUY, lots: 1 }]';
    expect(refusal(`{ strategy(input: { symbol: "SENSEX", legs: ${legs} }) { netPremium } }`)?.extensions.missing).toBe('symbol:SENSEX');
    expect(refusal(`query($i: MarginInput!) { marginEstimate(input: $i) { totalRupees } }`, free, { i: { symbol: 'FINNIFTY', legs: [] } })?.extensions.missing).toBe('symbol:FINNIFTY');
    expect(refusal('{ optionPrice(input: { option: { symbol: "SENSEX", right: PUT, strike: 80000, expiry: "2030-01-03" } }) { price } }')?.extensions.missing).toBe('symbol:SENSEX');
    expect(refusal(`{ strategy(input: { symbol: "NIFTY", legs: ${legs} }) { netPremium } }`)).toBeNull();
  });

  it('asks a plan with some symbols to list them where a field would otherwise read every symbol', () => {
    expect(refusal('{ marketOverview { symbol } }')?.extensions.missing).toBe('symbols');
    expect(refusal('{ marketOverview { symbol } }', { ...free, role: 'pro', plan: plans.pro })).toBeNull();
  });

  it('refuses subscriptions to a plan without them', () => {
    const noStreams = { ...free, plan: { ...plans.free, subscriptions: false } };
    expect(refusal('subscription { moodUpdated(symbol: "NIFTY") { symbol } }', noStreams)?.extensions.missing).toBe('subscriptions');
  });
});
