/**
 * marginEstimate through the real server (main.ts in a child process,
 * simulator-fed, on PGlite or, with DATABASE_URL, a fresh PostgreSQL
 * database), over HTTP as a client sends it: defaults from the stored chain
 * optionChain answers, the hedge benefit of a spread, a calendar across the
 * two followed expiries, the configured parameters, and a typed error naming
 * the leg and field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealServer, type RealServer } from './realServer.ts';

let server: RealServer;

/* eslint-disable @typescript-eslint/no-explicit-any */
async function post(source: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: any[] }> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: source, variables }),
    signal: AbortSignal.timeout(20_000),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

async function query(source: string, variables: Record<string, unknown> = {}): Promise<any> {
  const json = await post(source, variables);
  expect(json.errors, JSON.stringify(json.errors)).toBeUndefined();
  return json.data;
}

const MARGIN = `query($input: MarginInput!) { marginEstimate(input: $input) {
  isEstimate totalRupees spanRupees exposureRupees calendarSpreadRupees hedgeBenefitRupees premiumRupees
  worstScenario { number } parameters { priceScanMinPct exposurePct }
  legs { strike expiry lotSize iv forward totalRupees priceScanPct } } }`;

beforeAll(async () => {
  server = await startRealServer({ LOG_LEVEL: 'warn', SYMBOLS: 'NIFTY', SIM_TICK_MS: '200', MARGIN_PRICE_SCAN_PCT: '10', MARGIN_EXPOSURE_PCT: '2.5' });
}, 90_000);
afterAll(async () => {
  await server?.stop();
}, 30_000);

describe('marginEstimate on the real server', () => {
  it('estimates a bull call spread below its naked short leg from the stored chain, with the configured parameters', async () => {
    const { expiryList } = await query(`{ expiryList(symbol: "NIFTY") { date hasData } }`);
    const expiry = expiryList.find((e: any) => e.hasData).date;
    const { optionChain } = await query(`query($expiry: Date!) { optionChain(symbol: "NIFTY", expiry: $expiry) { forward lotSize analytics { atmStrike } rows { strike call { iv } } } }`, { expiry });
    const atm = optionChain.analytics.atmStrike;
    const higher = optionChain.rows.map((r: any) => r.strike).filter((s: number) => s > atm)[3];
    const legs = [
      { instrument: 'OPTION', right: 'CALL', strike: atm, expiry, action: 'BUY', lots: 1 },
      { instrument: 'OPTION', right: 'CALL', strike: higher, expiry, action: 'SELL', lots: 1 },
    ];
    const { marginEstimate: spread } = await query(MARGIN, { input: { symbol: 'NIFTY', legs } });
    const { marginEstimate: naked } = await query(MARGIN, { input: { symbol: 'NIFTY', legs: legs.slice(1) } });
    expect(spread.isEstimate).toBe(true);
    expect(spread.parameters).toEqual({ priceScanMinPct: 10, exposurePct: 2.5 });
    expect(spread.legs[1].priceScanPct).toBeGreaterThanOrEqual(10);
    expect(spread.legs[0].lotSize).toBe(optionChain.lotSize);
    expect(spread.legs[0].iv).toBeGreaterThan(0);
    expect(spread.legs[0].forward).toBeGreaterThan(0);
    expect(spread.totalRupees).toBeLessThan(naked.totalRupees);
    expect(spread.hedgeBenefitRupees).toBeGreaterThan(0);
    expect(naked.worstScenario.number).toBe(11);
    console.log(`marginEstimate on the real server: ${atm}/${higher} bull call spread ₹${Math.round(spread.totalRupees)} against the naked short call ₹${Math.round(naked.totalRupees)} (hedge benefit ₹${Math.round(spread.hedgeBenefitRupees)})`);
  }, 60_000);

  it('charges a calendar across the two followed expiries, and names the leg and field of a strike not listed', async () => {
    const { expiryList } = await query(`{ expiryList(symbol: "NIFTY") { date hasData } }`);
    const [near, far] = expiryList.filter((e: any) => e.hasData).map((e: any) => e.date);
    expect(far).toBeDefined();
    const calendar = await query(MARGIN, {
      input: { symbol: 'NIFTY', legs: [{ instrument: 'FUTURE', expiry: near, action: 'SELL', lots: 1 }, { instrument: 'FUTURE', expiry: far, action: 'BUY', lots: 1 }] },
    });
    expect(calendar.marginEstimate.calendarSpreadRupees).toBeGreaterThan(0);
    const refused = await post(MARGIN, { input: { symbol: 'NIFTY', legs: [{ instrument: 'OPTION', right: 'PUT', strike: 1, expiry: near, action: 'SELL', lots: 1 }] } });
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.legs[0].strike', leg: 0, field: 'strike' });
    expect(refused.errors![0].message).toMatch(/1 is not a strike of the stored NIFTY/);
  }, 60_000);
});
