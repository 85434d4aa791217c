/**
 * marginEstimate through the schema over a database of simulated chains:
 * its defaults are the stored chain's (forward, IV per strike, lot size, time
 * to expiry), its figures those of core/strategy/margin.ts on them, its
 * parameters the configuration's, and bad input is refused naming the leg
 * and field.
 */
import { describe, expect, it } from 'vitest';
import { schemaHarnessForSuite } from '../test/schemaContext.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { loadConfig } from '../core/config.ts';
import { NSE_INDEX_MARGIN_PARAMETERS, estimateMargin } from '../core/strategy/margin.ts';
import { expiryInstant, yearsToExpiry } from '../core/time/expiry.ts';

/** NIFTY, two expiries, a snapshot a minute for 5 minutes. */
const snapshots = simulatedEnrichedSnapshots(5, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 8, seed: 4 });
const [near, far] = [...new Set(snapshots.map((s) => s.expiry))].sort();
const latest = (expiry: string) => snapshots.filter((s) => s.expiry === expiry).at(-1)!;
const NOW = latest(near).timestamp + 60_000;
const atm = (expiry: string) => latest(expiry).analytics.atmStrike!;
const step = 50;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIELDS = `isEstimate method symbol chainTimestamp spot annualVol rate
  totalRupees spanRupees scanRiskRupees calendarSpreadRupees shortOptionMinimumRupees exposureRupees premiumRupees hedgeBenefitRupees
  worstScenario { number priceMoveFraction volMove weight lossRupees } scenarios { number lossRupees }
  legs { leg instrument right strike expiry action lots lotSize quantityUnits iv forward tYears priceRupees deltaUnits priceScanPct volScanPoints totalRupees spanRupees }
  parameters { priceScanMinPct exposurePct shortOptionMinPct calendarSpreadPct volScanMinPct }`;
const QUERY = `query($input: MarginInput!) { marginEstimate(input: $input) { ${FIELDS} } }`;

const option = (action: string, right: string, strike: number, expiry = near, lots = 1, extra: Data = {}) => ({ instrument: 'OPTION', right, strike, expiry, action, lots, ...extra });

describe('marginEstimate', () => {
  const { harness, context } = schemaHarnessForSuite(snapshots, NOW);
  const run = (legs: Data[], extra: Data = {}, ctx = context()) => harness().run(ctx, QUERY, { input: { symbol: 'NIFTY', legs, ...extra } });
  const estimate = async (legs: Data[], extra: Data = {}, ctx = context()): Promise<Data> => {
    const result = await run(legs, extra, ctx);
    expect(result.errors).toBeUndefined();
    return (result.data as Data).marginEstimate;
  };
  const refusal = async (legs: Data[], extra: Data = {}) => {
    const result = await run(legs, extra);
    expect(result.errors).toHaveLength(1);
    return result.errors![0];
  };

  it("takes its defaults from the latest stored chain and answers core/strategy/margin.ts' figures on them", async () => {
    const strike = atm(near) + 2 * step;
    const answer = await estimate([option('SELL', 'CALL', strike, near, 2)]);
    const chain = latest(near);
    const quote = chain.rows.find((r) => r.strike === strike)!.call!;
    expect(answer.isEstimate).toBe(true);
    expect(answer.method).toMatch(/^Estimate, SPAN-like/);
    expect(answer.chainTimestamp).toBe(new Date(chain.timestamp).toISOString());
    expect([answer.spot, answer.annualVol, answer.rate]).toEqual([chain.spot, chain.analytics.atmIv, chain.rate]);
    const [leg] = answer.legs;
    expect(leg).toMatchObject({ leg: 0, instrument: 'OPTION', right: 'CALL', strike, expiry: near, action: 'SELL', lots: 2, lotSize: 65, quantityUnits: -130, iv: quote.iv, forward: chain.forward });
    expect(leg.tYears).toBeCloseTo(yearsToExpiry(NOW, expiryInstant(near)), 12);
    const expected = estimateMargin(
      [{ leg: { instrument: 'OPTION', right: 'CALL', strike, expiry: near, action: 'SELL', lots: 2 }, lotSize: 65, tYears: leg.tYears, forward: chain.forward!, iv: quote.iv! }],
      { spot: chain.spot, rate: chain.rate, annualVol: chain.analytics.atmIv! },
      NSE_INDEX_MARGIN_PARAMETERS,
    );
    expect(answer.totalRupees).toBeCloseTo(expected.totalRupees, 6);
    expect(answer.worstScenario).toEqual({ ...expected.worstScenario });
    expect(answer.scenarios).toHaveLength(16);
    expect(answer.parameters).toMatchObject({ priceScanMinPct: 9.3, exposurePct: 2, shortOptionMinPct: 3, calendarSpreadPct: 1.75, volScanMinPct: 4 });
  });

  it('needs less for a bull call spread than for its naked short leg, and shows the hedge benefit', async () => {
    const spread = await estimate([option('BUY', 'CALL', atm(near)), option('SELL', 'CALL', atm(near) + 4 * step)]);
    const naked = await estimate([option('SELL', 'CALL', atm(near) + 4 * step)]);
    expect(spread.totalRupees).toBeLessThan(naked.totalRupees);
    expect(spread.hedgeBenefitRupees).toBeGreaterThan(0);
    expect(spread.legs[1].totalRupees).toBeCloseTo(naked.totalRupees, 6);
  });

  it('charges a calendar spread across the two stored expiries, and doubles with the lots', async () => {
    const legs = [{ instrument: 'FUTURE', expiry: near, action: 'SELL', lots: 1 }, { instrument: 'FUTURE', expiry: far, action: 'BUY', lots: 1 }];
    const calendar = await estimate(legs);
    expect(calendar.calendarSpreadRupees).toBeCloseTo(0.0175 * 65 * calendar.legs[1].forward, 6);
    const double = await estimate(legs.map((l) => ({ ...l, lots: 2 })));
    expect(double.totalRupees).toBeCloseTo(2 * calendar.totalRupees, 4);
  });

  it('uses the IV a leg gives over the stored one, and annualVol over the ATM IV', async () => {
    const answer = await estimate([option('SELL', 'PUT', atm(near), near, 1, { iv: 0.3 })], { annualVol: 0.4 });
    expect(answer.legs[0].iv).toBe(0.3);
    expect(answer.annualVol).toBe(0.4);
    expect(answer.legs[0].priceScanPct).toBeCloseTo(6 * Math.SQRT2 * (40 / Math.sqrt(252)), 10);
    expect(answer.legs[0].volScanPoints).toBeCloseTo(10, 10);
  });

  it('takes its parameters from the configuration, per symbol', async () => {
    const { marginParameters } = loadConfig({ MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: 'NIFTY:12', MARGIN_EXPOSURE_PCT: '3' });
    const configured = await estimate([option('SELL', 'CALL', atm(near))], {}, { ...context(), marginParameters });
    const defaults = await estimate([option('SELL', 'CALL', atm(near))]);
    expect(configured.parameters).toMatchObject({ priceScanMinPct: 12, exposurePct: 3 });
    expect(configured.legs[0].priceScanPct).toBe(12);
    expect(configured.exposureRupees).toBeCloseTo(1.5 * defaults.exposureRupees, 6);
    expect(configured.spanRupees).toBeGreaterThan(defaults.spanRupees);
  });

  it('refuses bad input naming the leg and field', async () => {
    const cases: [Data[], Data, string, RegExp, string?][] = [
      [[], {}, 'input.legs', /give at least one leg/],
      [[option('BUY', 'CALL', atm(near)), option('SELL', 'CALL', atm(near), near, 0)], {}, 'input.legs[1].lots', /input.legs\[1\].lots: must be a positive integer number of lots, got 0/],
      [[option('SELL', 'CALL', atm(near) + 7)], {}, 'input.legs[0].strike', /is not a strike of the stored NIFTY .* chain/],
      [[option('SELL', 'CALL', atm(near), '2026-11-17')], {}, 'input.legs[0].expiry', /2026-11-17 has expired/],
      [[option('SELL', 'CALL', atm(near), '2027-06-29')], {}, 'input.legs[0].expiry', /No chain is stored for NIFTY expiry 2027-06-29/, 'NO_DATA'],
      [[option('SELL', 'CALL', atm(near), '2026-02-30')], {}, 'input.legs[0].expiry', /must be a calendar date/],
      [[{ instrument: 'OPTION', strike: atm(near), expiry: near, action: 'SELL', lots: 1 }], {}, 'input.legs[0].right', /needs right: CALL or PUT/],
      [[{ instrument: 'FUTURE', strike: atm(near), expiry: near, action: 'SELL', lots: 1 }], {}, 'input.legs[0].strike', /a FUTURE leg has no right, strike or IV/],
      [[option('SELL', 'CALL', atm(near), near, 1, { iv: 15 })], {}, 'input.legs[0].iv', /must be a decimal between 0 and 5/],
      [[option('SELL', 'CALL', atm(near))], { annualVol: -1 }, 'input.annualVol', /must be a decimal between 0 and 5/],
      [[option('SELL', 'CALL', atm(near))], { symbol: 'GOLD' }, 'input.symbol', /Unknown symbol "GOLD"/],
      [Array.from({ length: 21 }, () => option('BUY', 'CALL', atm(near))), {}, 'input.legs', /at most 20 legs/],
    ];
    for (const [legs, extra, argument, message, code = 'BAD_USER_INPUT'] of cases) {
      const error = await refusal(legs, extra);
      expect(error.message).toMatch(message);
      expect(error.extensions).toMatchObject({ code, argument });
    }
    const zeroLots = await refusal([option('SELL', 'CALL', atm(near), near, 0)]);
    expect(zeroLots.extensions).toMatchObject({ leg: 0, field: 'lots' });
  });
});
