import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { optionGreeks } from '../core/pricing/black.ts';
import { expiryMarket } from '../core/strategy/resolve.ts';
import { mergeIterables } from './calculators.ts';

const ticks = simulatedEnrichedSnapshots(2, { expiriesPerSymbol: 2, strikesEachSide: 15 });
const stored = ticks.slice(0, 2);
const [near, far] = stored;
const later = ticks[2];
const NOW = Math.max(near.timestamp, far.timestamp) + 1000;
const atm = near.analytics.atmStrike!;

let harness: SchemaHarness;
beforeAll(async () => {
  harness = await openSchemaHarness(stored);
});
afterAll(() => harness.close());

const run = (source: string, variables?: Record<string, unknown>) => harness.run(harness.context(NOW), source, variables);
const leg = (fields: Record<string, unknown>) => ({ instrument: 'OPTION', right: 'CALL', strike: atm, expiry: near.expiry, action: 'BUY', lots: 1, ...fields });

const STRATEGY = `query($input: StrategyInput!) { strategy(input: $input) {
  valuedAt spot netPremium netPremiumKind pnlNow smileAvailable spots
  legs { index units lotSize entryPrice iv valueNow pnlNow }
  horizons { kind at pnl breakevens { spot touchProbability } maxProfit maxProfitUnlimited maxLoss maxLossUnlimited
    lognormal { distribution probabilityOfProfit expectedPnl } smileImplied { distribution probabilityOfProfit expectedPnl densityMass } }
  greeks { delta gamma theta vega }
  whatIf { spots daysFromNow ivShiftsVolPoints pnl } } }`;

describe('optionPrice and impliedVolatility', () => {
  it("prices with the chain's defaults (spot, rate, the forward's dividend yield, the chain's instant) and solves the IV back", async () => {
    const option = { symbol: 'NIFTY', right: 'CALL', strike: atm, expiry: near.expiry };
    const priced = await run(`query($o: OptionCalculatorInput!) { optionPrice(input: { option: $o, volatility: 0.14 }) { price delta theta vega underlying rate dividendYield timeToExpiryYears chainIv } }`, { o: option });
    expect(priced.errors).toBeUndefined();
    const p = priced.data!.optionPrice as Record<string, number>;
    const market = expiryMarket(near);
    expect(p.underlying).toBe(near.spot);
    expect(p.rate).toBe(near.rate);
    expect(p.dividendYield).toBeCloseTo(market.divYield, 12);
    expect(p.timeToExpiryYears).toBeCloseTo(near.tYears, 9);
    const expected = optionGreeks({ underlying: near.spot, strike: atm, tYears: p.timeToExpiryYears, vol: 0.14, rate: near.rate, divYield: market.divYield, type: 'call' });
    expect(p.price).toBeCloseTo(expected.price, 9);
    expect(p.vega).toBeCloseTo(expected.vega, 9);
    expect(p.chainIv).toBeGreaterThan(0);
    const solved = await run(`query($o: OptionCalculatorInput!, $price: Float!) { impliedVolatility(input: { option: $o, price: $price }) { volatility status reason } }`, { o: option, price: p.price });
    expect(solved.data!.impliedVolatility).toMatchObject({ status: 'OK' });
    expect((solved.data!.impliedVolatility as { volatility: number }).volatility).toBeCloseTo(0.14, 10);
  });

  it('prices Black-76 on a given future without a symbol, and says why a price below intrinsic has no IV', async () => {
    const option = { right: 'PUT', strike: 100, expiryAt: new Date(NOW + 30 * 86_400_000).toISOString(), underlying: 90, rate: 0.05, model: 'BLACK76', valuationAt: new Date(NOW).toISOString() };
    const priced = await run(`query($o: OptionCalculatorInput!) { optionPrice(input: { option: $o, volatility: 0.2 }) { price model } }`, { o: option });
    const t = 30 / 365;
    expect((priced.data!.optionPrice as { price: number }).price).toBeCloseTo(optionGreeks({ model: 'black76', underlying: 90, strike: 100, tYears: t, vol: 0.2, rate: 0.05, type: 'put' }).price, 9);
    const solved = await run(`query($o: OptionCalculatorInput!) { impliedVolatility(input: { option: $o, price: 5 }) { volatility status reason } }`, { o: option });
    expect(solved.data!.impliedVolatility).toMatchObject({ volatility: null, status: 'PRICE_BELOW_INTRINSIC' });
    const missing = await run(`query { optionPrice(input: { option: { right: CALL, strike: 100, expiry: "2027-01-01", rate: 0.05 }, volatility: 0.2 }) { price } }`);
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'option.underlying' });
  });
});

describe('strategy', () => {
  it('evaluates an iron condor from its template: legs at the chain mid, capped loss, breakevens, probabilities under both distributions, Greeks and a what-if grid', async () => {
    const template = await run(`query($e: Date!) { strategyTemplate(symbol: "NIFTY", name: "IRON_CONDOR", expiry: $e, widthStrikes: 2, lots: 2) { instrument right strike expiry action lots } }`, { e: near.expiry });
    expect(template.errors).toBeUndefined();
    const legs = (template.data!.strategyTemplate as Record<string, unknown>[]).map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== null)));
    const result = await run(STRATEGY, { input: { symbol: 'NIFTY', legs, spotPoints: 51, whatIf: { spotPoints: 5, days: [0, 1], ivShiftsVolPoints: [0, 2] } } });
    expect(result.errors).toBeUndefined();
    const s = result.data!.strategy as any;
    expect(s.netPremiumKind).toBe('CREDIT');
    expect(s.spots).toHaveLength(51);
    const row = near.rows.find((r) => r.strike === legs[1].strike)!;
    expect(s.legs[1].entryPrice).toBeCloseTo((row.put!.bid! + row.put!.ask!) / 2, 9);
    expect(s.legs[1].units).toBe(-2 * near.lotSize);
    const [expiry, now] = s.horizons;
    expect(expiry.kind).toBe('EXPIRY');
    expect(now.kind).toBe('TARGET');
    expect(expiry.breakevens).toHaveLength(2);
    expect(expiry.maxLossUnlimited).toBe(false);
    expect(expiry.maxProfit).toBeCloseTo(-s.netPremium, 6);
    // Max loss: the wider wing (2 widths × 50 points) less the credit, on 2 lots.
    expect(expiry.maxLoss).toBeCloseTo(-(100 * 2 * near.lotSize + s.netPremium), 6);
    for (const b of expiry.breakevens) expect(b.touchProbability).toBeGreaterThan(0);
    expect(expiry.lognormal.distribution).toBe('LOGNORMAL_ATM_IV');
    expect(expiry.smileImplied.distribution).toBe('SMILE_IMPLIED');
    expect(Math.abs(expiry.smileImplied.probabilityOfProfit - expiry.lognormal.probabilityOfProfit)).toBeLessThan(0.2);
    expect(now.smileImplied).toBeNull();
    expect(s.greeks.vega).toBeLessThan(0);
    expect(s.whatIf.pnl).toHaveLength(5 * 2 * 2);
    expect(s.pnlNow).toBeCloseTo(s.legs.reduce((sum: number, l: any) => sum + l.pnlNow, 0), 6);
  });

  it('prices a calendar with each leg on its own expiry and refuses bad input with an error naming the leg and field', async () => {
    const calendar = [leg({ action: 'SELL' }), leg({ expiry: far.expiry })];
    const ok = await run(STRATEGY, { input: { symbol: 'NIFTY', legs: calendar, targetDates: [new Date(NOW + 3_600_000).toISOString()] } });
    expect(ok.errors).toBeUndefined();
    expect((ok.data!.strategy as any).netPremiumKind).toBe('DEBIT');
    const refusal = async (input: Record<string, unknown>) => (await run(STRATEGY, { input: { symbol: 'NIFTY', ...input } })).errors?.[0].extensions;
    expect(await refusal({ legs: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'legs', leg: null });
    expect(await refusal({ legs: [leg({}), leg({ strike: atm + 7 })] })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.legs[1].strike', field: 'strike', leg: 1 });
    expect(await refusal({ legs: [leg({ expiry: '2026-11-17' })] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiry', leg: 0 });
    expect(await refusal({ legs: [leg({ lots: 0 })] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lots', leg: 0 });
    expect(await refusal({ legs: [leg({})], targetDates: [new Date(NOW + 1000).toISOString(), '2027-06-01T00:00:00Z'] })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.targetDates[1]', field: 'targetDates', item: 1 });
    expect(await refusal({ legs: [leg({ right: null })] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'right', leg: 0 });
  });

  it("carries the margin estimate: marginEstimate's figure for the same legs, and a spread below its naked short leg", async () => {
    const FIGURES = 'isEstimate totalRupees spanRupees exposureRupees hedgeBenefitRupees';
    const spread = [leg({ strike: atm }), leg({ strike: atm + 2 * (near.rows[1].strike - near.rows[0].strike), action: 'SELL' })];
    const margins = async (legs: Record<string, unknown>[]) => {
      const strategy = await run(`query($input: StrategyInput!) { strategy(input: $input) { margin { ${FIGURES} } } }`, { input: { symbol: 'NIFTY', legs } });
      const direct = await run(`query($input: MarginInput!) { marginEstimate(input: $input) { ${FIGURES} } }`, { input: { symbol: 'NIFTY', legs } });
      expect(strategy.errors).toBeUndefined();
      expect(direct.errors).toBeUndefined();
      return [(strategy.data!.strategy as any).margin, direct.data!.marginEstimate as any];
    };
    const [fromStrategy, fromEstimate] = await margins(spread);
    expect(fromStrategy.isEstimate).toBe(true);
    for (const key of ['totalRupees', 'spanRupees', 'exposureRupees', 'hedgeBenefitRupees']) expect(fromStrategy[key]).toBeCloseTo(fromEstimate[key], 0);
    const [naked] = await margins([spread[1]]);
    expect(fromStrategy.totalRupees).toBeLessThan(naked.totalRupees);
    expect(fromStrategy.hedgeBenefitRupees).toBeGreaterThan(0);
  });
});

describe('strategyUpdated', () => {
  it('re-prices the strategy on the next snapshot of one of its expiries, with that snapshot', async () => {
    const context = harness.context(NOW);
    const events = (await harness.subscribe(context, `subscription($input: StrategyInput!) { strategyUpdated(input: $input) { valuedAt spot pnlNow } }`, {
      input: { symbol: 'NIFTY', legs: [leg({ action: 'SELL' }), leg({ expiry: far.expiry })] },
    })) as AsyncGenerator<ExecutionResult>;
    const next = events.next();
    context.pubsub.publish('chain:updated', `NIFTY:${later.expiry}`, later);
    const event = await next;
    expect(event.value.errors).toBeUndefined();
    expect(event.value.data.strategyUpdated.valuedAt).toBe(new Date(later.timestamp).toISOString());
    await events.return(undefined);
  });

  it('refuses a strategy with a bad leg up front', async () => {
    const refused = (await harness.subscribe(harness.context(NOW), `subscription($input: StrategyInput!) { strategyUpdated(input: $input) { pnlNow } }`, {
      input: { symbol: 'NIFTY', legs: [leg({ lots: -1 })] },
    })) as ExecutionResult;
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lots', leg: 0 });
  });
});

describe('mergeIterables', () => {
  it('yields from every source in arrival order and ends when all have ended', async () => {
    async function* delayed(values: number[], ms: number) {
      for (const v of values) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        yield v;
      }
    }
    const seen: number[] = [];
    for await (const v of mergeIterables([delayed([1, 3], 10), delayed([2], 15)])) seen.push(v);
    expect(seen.sort()).toEqual([1, 2, 3]);
  });
});
