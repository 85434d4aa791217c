/**
 * The charts at an instant (oiProfile, ivSmile, gexProfile, termStructure)
 * through the schema over a database of simulated chains: each answers from
 * the snapshot optionChain answers for the same expiry and `at`, agrees with
 * that chain's stored analytics, and refuses bad input naming the argument.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import type { Context } from './builder.ts';

/** NIFTY, two expiries, a snapshot a minute for 20 minutes. */
const snapshots = simulatedEnrichedSnapshots(20, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 12, seed: 4 });
const expiries = [...new Set(snapshots.map((s) => s.expiry))].sort();
const [near, far] = expiries;
const times = [...new Set(snapshots.map((s) => s.timestamp))].sort((a, b) => a - b);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = times.at(-1)! + 60_000;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the charts at an instant', () => {
  let harness: SchemaHarness;
  let context: Context;
  const run = async (query: string, variables: Record<string, unknown> = {}) => harness.run(context, query, variables);
  const data = async (query: string, variables: Record<string, unknown> = {}): Promise<Data> => {
    const result = await run(query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as Data;
  };
  const chain = (expiry: string, at?: string) =>
    data(`query($expiry: Date, $at: DateTime) { optionChain(symbol: "NIFTY", expiry: $expiry, at: $at) {
      timestamp spot forward analytics { maxPain atmIv atmStrike totalGex gammaFlip callWall putWall gexConvention }
      rows { strike call { oi oiChange iv quality } put { oi oiChange iv quality } } } }`, { expiry, at }).then((d) => d.optionChain);

  beforeAll(async () => {
    harness = await openSchemaHarness(snapshots);
    context = harness.context(NOW);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('oiProfile: OI per strike, spot and max pain of the snapshot optionChain answers, at the latest and at an instant', async () => {
    for (const at of [undefined, iso(times[5] + 30_000)]) {
      const expected = await chain(near, at);
      const { oiProfile } = await data(
        `query($at: DateTime) { oiProfile(symbol: "NIFTY", expiry: "${near}", at: $at) {
          snapshot { timestamp expiry lotSize } spot maxPain pcrOi
          strikes { strike callOi putOi callOiChange putOiChange painRupees }
          support { peakStrike lowStrike highStrike strength } resistance { peakStrike strength } } }`,
        { at },
      );
      expect(oiProfile.snapshot.timestamp).toBe(expected.timestamp);
      expect(oiProfile.spot).toBe(expected.spot);
      expect(oiProfile.maxPain).toBe(expected.analytics.maxPain);
      expect(oiProfile.strikes.map((r: Data) => [r.strike, r.callOi, r.putOi, r.callOiChange, r.putOiChange])).toEqual(
        expected.rows.map((r: Data) => [r.strike, r.call?.oi ?? null, r.put?.oi ?? null, r.call?.oiChange ?? null, r.put?.oiChange ?? null]),
      );
      // Max pain is where the pain curve is lowest.
      const lowest = oiProfile.strikes.reduce((a: Data, b: Data) => (b.painRupees < a.painRupees ? b : a));
      expect(lowest.strike).toBe(oiProfile.maxPain);
      expect(oiProfile.support.length).toBeGreaterThan(0);
      expect(oiProfile.resistance.length).toBeGreaterThan(0);
      for (const zone of oiProfile.support) expect(zone.highStrike).toBeLessThanOrEqual(oiProfile.spot);
      for (const zone of oiProfile.resistance) expect(zone.peakStrike).toBeGreaterThanOrEqual(oiProfile.spot);
    }
    expect((await data(`{ oiProfile(symbol: "NIFTY") { snapshot { expiry } } }`)).oiProfile.snapshot.expiry).toBe(near);
  });

  it('ivSmile: call, put and OTM IVs per strike with an SVI fit close to them and its arbitrage check', async () => {
    const expected = await chain(near);
    const { ivSmile } = await data(`{ ivSmile(symbol: "NIFTY", expiry: "${near}") {
      snapshot { timestamp } forward atmIv
      points { strike logMoneyness callIv putIv otmIv callDelta fittedIv }
      fit { a b rho m sigma points rmseVolPoints butterflyArbitrage minG minGAtLogMoneyness checkedFromLogMoneyness checkedToLogMoneyness } } }`);
    expect(ivSmile.snapshot.timestamp).toBe(expected.timestamp);
    expect(ivSmile.forward).toBe(expected.forward);
    expect(ivSmile.atmIv).toBe(expected.analytics.atmIv);
    const usable = (q: Data | null) => (q && q.quality === null && q.iv > 0 ? q.iv : null);
    ivSmile.points.forEach((p: Data, i: number) => {
      const row = expected.rows[i];
      expect(p.strike).toBe(row.strike);
      expect(p.logMoneyness).toBeCloseTo(Math.log(row.strike / expected.forward), 12);
      expect(p.callIv).toBe(usable(row.call));
      expect(p.putIv).toBe(usable(row.put));
      const otm = row.strike < expected.forward ? (p.putIv ?? p.callIv) : (p.callIv ?? p.putIv);
      expect(p.otmIv).toBe(otm);
    });
    const fit = ivSmile.fit;
    expect(fit.points).toBe(ivSmile.points.filter((p: Data) => p.otmIv !== null).length);
    expect(fit.b).toBeGreaterThanOrEqual(0);
    expect(Math.abs(fit.rho)).toBeLessThanOrEqual(1);
    // The simulator's smile is smooth: SVI fits it to well under a vol point.
    expect(fit.rmseVolPoints).toBeLessThan(1);
    expect(typeof fit.butterflyArbitrage).toBe('boolean');
    expect(fit.butterflyArbitrage).toBe(fit.minG === null || fit.minG < 0);
    for (const p of ivSmile.points) if (p.otmIv !== null) expect(Math.abs(p.fittedIv - p.otmIv)).toBeLessThan(0.03);
  });

  it('gexProfile: per-strike GEX and the spot grid, with the total, flip and walls of the stored analytics', async () => {
    const expected = await chain(near);
    const { gexProfile } = await data(`{ gexProfile(symbol: "NIFTY", expiry: "${near}") {
      snapshot { spot } convention totalGex gammaFlip callWall putWall strikes { strike callGex putGex netGex } spotGrid { spot totalGex } } }`);
    expect(gexProfile.convention).toBe('DEALER_LONG_CALLS_SHORT_PUTS');
    expect(expected.analytics.gexConvention).toBe('dealer-long-calls-short-puts');
    expect(gexProfile.totalGex).toBeCloseTo(expected.analytics.totalGex, 0);
    expect(gexProfile.callWall).toBe(expected.analytics.callWall);
    expect(gexProfile.putWall).toBe(expected.analytics.putWall);
    if (expected.analytics.gammaFlip === null) expect(gexProfile.gammaFlip).toBeNull();
    else expect(gexProfile.gammaFlip).toBeCloseTo(expected.analytics.gammaFlip, 6);
    const sum = gexProfile.strikes.reduce((s: number, r: Data) => s + (r.netGex ?? 0), 0);
    expect(sum).toBeCloseTo(gexProfile.totalGex, 0);
    expect(gexProfile.spotGrid).toHaveLength(201);
    expect(gexProfile.spotGrid[0].spot).toBeCloseTo(0.8 * gexProfile.snapshot.spot, 6);
    expect(gexProfile.spotGrid[200].spot).toBeCloseTo(1.2 * gexProfile.snapshot.spot, 6);

    const flipped = (await data(`{ gexProfile(symbol: "NIFTY", expiry: "${near}", convention: DEALER_SHORT_CALLS_LONG_PUTS, gridLow: 0.95, gridHigh: 1.05, gridPoints: 11) {
      convention totalGex spotGrid { spot totalGex } } }`)).gexProfile;
    expect(flipped.convention).toBe('DEALER_SHORT_CALLS_LONG_PUTS');
    expect(flipped.totalGex).toBeCloseTo(-gexProfile.totalGex, 0);
    expect(flipped.spotGrid).toHaveLength(11);
  });

  it('termStructure: ATM IV and forward of every expiry with data at the instant, ascending, each as optionChain reads it', async () => {
    for (const at of [undefined, iso(times[10])]) {
      const { termStructure } = await data(`query($at: DateTime) { termStructure(symbol: "NIFTY", at: $at) {
        expiry snapshot { timestamp } timeToExpiryYears forward atmStrike atmIv totalVariance forwardVol calendarArbitrage } }`, { at });
      expect(termStructure.map((p: Data) => p.expiry)).toEqual([near, far]);
      for (const point of termStructure) {
        const expected = await chain(point.expiry, at);
        expect(point.snapshot.timestamp).toBe(expected.timestamp);
        expect(point.forward).toBe(expected.forward);
        expect(point.atmIv).toBe(expected.analytics.atmIv);
        expect(point.totalVariance).toBeCloseTo(point.atmIv ** 2 * point.timeToExpiryYears, 12);
      }
      const [first, second] = termStructure;
      expect(first.forwardVol).toBeNull();
      if (!second.calendarArbitrage) {
        expect(second.forwardVol).toBeCloseTo(Math.sqrt((second.totalVariance - first.totalVariance) / (second.timeToExpiryYears - first.timeToExpiryYears)), 12);
      }
    }
  });

  it('ivSurface: one slice per expiry with the smile ivSmile answers for it, and on the delta axis the smile at the common deltas', async () => {
    const at = iso(times[10]);
    const smileOf = async (expiry: string) =>
      (await data(`query($at: DateTime) { ivSmile(symbol: "NIFTY", expiry: "${expiry}", at: $at) {
        snapshot { timestamp } forward points { strike logMoneyness otmIv callDelta fittedIv } fit { a b rho m sigma rmseVolPoints } } }`, { at })).ivSmile;
    const select = `axis slices { expiry timeToExpiryYears smile { snapshot { timestamp } forward points { strike logMoneyness otmIv callDelta fittedIv } fit { a b rho m sigma rmseVolPoints } }
      deltaGrid { callDelta putDelta label iv strike } }`;
    const byStrike = (await data(`query($at: DateTime) { ivSurface(symbol: "NIFTY", at: $at) { ${select} } }`, { at })).ivSurface;
    expect(byStrike.axis).toBe('STRIKE');
    expect(byStrike.slices.map((s: Data) => s.expiry)).toEqual([near, far]);
    for (const slice of byStrike.slices) {
      expect(slice.smile).toEqual(await smileOf(slice.expiry));
      expect(slice.deltaGrid).toBeNull();
      expect(slice.smile.fit.rmseVolPoints).toBeLessThan(1);
    }
    expect(byStrike.slices[0].timeToExpiryYears).toBeLessThan(byStrike.slices[1].timeToExpiryYears);

    const byDelta = (await data(`query($at: DateTime) { ivSurface(symbol: "NIFTY", at: $at, axis: DELTA) { ${select} } }`, { at })).ivSurface;
    expect(byDelta.axis).toBe('DELTA');
    for (const [s, slice] of byDelta.slices.entries()) {
      expect(slice.smile).toEqual(byStrike.slices[s].smile);
      expect(slice.deltaGrid.map((g: Data) => g.callDelta)).toEqual([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
      expect(slice.deltaGrid.map((g: Data) => g.label)).toEqual(['10Δ put', '20Δ put', '30Δ put', '40Δ put', '50Δ', '40Δ call', '30Δ call', '20Δ call', '10Δ call']);
      const atm = slice.deltaGrid[4];
      expect(atm.putDelta).toBeCloseTo(-0.5, 12);
      expect(atm.iv).not.toBeNull();
      // The 50Δ strike sits near the forward, and its IV between the IVs of the listed strikes either side of it.
      expect(Math.abs(atm.strike - slice.smile.forward) / slice.smile.forward).toBeLessThan(0.02);
      const points = slice.smile.points.filter((p: Data) => p.otmIv !== null);
      const below = points.filter((p: Data) => p.strike <= atm.strike).at(-1);
      const above = points.find((p: Data) => p.strike >= atm.strike);
      expect(atm.iv).toBeGreaterThanOrEqual(Math.min(below.otmIv, above.otmIv) - 1e-12);
      expect(atm.iv).toBeLessThanOrEqual(Math.max(below.otmIv, above.otmIv) + 1e-12);
      // Strikes rise along the grid (from the 10Δ put to the 10Δ call) where both are quoted.
      const strikes = slice.deltaGrid.map((g: Data) => g.strike).filter((k: number | null) => k !== null);
      expect(strikes).toEqual([...strikes].sort((a, b) => a - b));
    }
  });

  it.each([
    ['an unknown symbol', `{ oiProfile(symbol: "NOPE") { spot } }`, 'BAD_USER_INPUT', 'symbol'],
    ['a malformed expiry', `{ ivSmile(symbol: "NIFTY", expiry: "2026-02-30") { atmIv } }`, 'BAD_USER_INPUT', 'expiry'],
    ['an at in the future', `{ gexProfile(symbol: "NIFTY", at: "${iso(NOW + 3_600_000)}") { totalGex } }`, 'BAD_USER_INPUT', 'at'],
    ['an at without a time zone', `{ termStructure(symbol: "NIFTY", at: "2026-11-23T10:00:00") { atmIv } }`, 'BAD_USER_INPUT', 'at'],
    ['an at before the first snapshot', `{ oiProfile(symbol: "NIFTY", expiry: "${near}", at: "${iso(times[0] - 1)}") { spot } }`, 'NO_DATA', 'at'],
    ['an at before any snapshot (termStructure)', `{ termStructure(symbol: "NIFTY", at: "${iso(times[0] - 1)}") { atmIv } }`, 'NO_DATA', 'at'],
    ['an expiry without data', `{ ivSmile(symbol: "NIFTY", expiry: "2030-01-01") { atmIv } }`, 'NO_DATA', 'expiry'],
    ['a grid of one point', `{ gexProfile(symbol: "NIFTY", gridPoints: 1) { totalGex } }`, 'BAD_USER_INPUT', 'gridPoints'],
    ['a grid high below its low', `{ gexProfile(symbol: "NIFTY", gridLow: 1.1, gridHigh: 0.9) { totalGex } }`, 'BAD_USER_INPUT', 'gridHigh'],
    ['an at before any snapshot (ivSurface)', `{ ivSurface(symbol: "NIFTY", at: "${iso(times[0] - 1)}") { axis } }`, 'NO_DATA', 'at'],
    ['an unknown symbol (ivSurface)', `{ ivSurface(symbol: "NOPE", axis: DELTA) { axis } }`, 'BAD_USER_INPUT', 'symbol'],
    ['a grid low of 0', `{ gexProfile(symbol: "NIFTY", gridLow: 0) { totalGex } }`, 'BAD_USER_INPUT', 'gridLow'],
  ])('refuses %s with a typed error naming the argument', async (_name, query, code, argument) => {
    const result = await run(query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toMatchObject({ code, argument });
  });
});
