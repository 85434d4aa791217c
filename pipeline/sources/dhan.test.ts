import { afterEach, describe, expect, it } from 'vitest';
import type { RawSnapshot } from '../../core/models.ts';
import { DHAN_FAILURES, fakeChain, FAKE_DHAN_UNDERLYINGS, startFakeDhan, type FakeDhan, type FakeDhanOptions } from '../../test/fakeDhan.ts';
import { DhanApiError, DhanSource, dhanApiError, dhanUnderlyings, parseDhanChain, type DhanSourceOptions } from './dhan.ts';
import { instrumentTable, lotSizeOn } from '../../core/instruments.ts';
import { enrichSnapshot } from '../processor.ts';
import { DHAN_SAMPLE_LOT_25, DHAN_SAMPLE_LOT_65 } from '../../test/dhanSamples.ts';

const TOKEN = 'test-access-token';
const CLIENT = '1100000001';
const [NIFTY, BANKNIFTY] = dhanUnderlyings(['NIFTY', 'BANKNIFTY']);

async function until(condition: () => boolean, timeoutMs = 4000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fake: FakeDhan | undefined;
let source: DhanSource | undefined;

afterEach(async () => {
  await source?.stop();
  await fake?.close();
  source = undefined;
  fake = undefined;
});

/** A fake server (30 ms rule) and a source (40 ms spacing, fast backoffs) wired together and started. */
async function setup(overrides: Partial<DhanSourceOptions> = {}, fakeOptions: FakeDhanOptions = {}, beforeStart: (fake: FakeDhan) => void = () => {}) {
  fake = await startFakeDhan({ minIntervalMs: 30, ...fakeOptions });
  beforeStart(fake);
  const snapshots: RawSnapshot[] = [];
  const issued: number[] = [];
  source = new DhanSource({
    fetch: (input, init) => {
      issued.push(performance.now());
      return fetch(input, init);
    },
    baseUrl: fake.url,
    accessToken: TOKEN,
    clientId: CLIENT,
    symbols: [NIFTY, BANKNIFTY],
    minIntervalMs: 40,
    requestTimeoutMs: 1000,
    retryBackoff: { initialDelayMs: 5, maxDelayMs: 20 },
    rateLimitBackoff: { initialDelayMs: 30, maxDelayMs: 120 },
    breaker: { consecutiveFailures: 3, halfOpenAfterMs: 150 },
    ...overrides,
  });
  await source.start((snapshot) => void snapshots.push(snapshot));
  return { fake, source, snapshots, issued };
}

const chainRequests = (f: FakeDhan) => f.requests.filter((r) => r.endpoint === 'optionchain');

describe('Dhan error classification', () => {
  it.each([
    [429, DHAN_FAILURES.rateLimitDH904.body, 'rate_limited', 'DH-904'],
    [429, DHAN_FAILURES.tooManyRequests805.body, 'rate_limited', '805'],
    [429, undefined, 'rate_limited', null],
    [200, { status: 'failed', data: { '805': 'Too many requests' } }, 'rate_limited', '805'],
    [401, DHAN_FAILURES.invalidAuthDH901.body, 'auth', 'DH-901'],
    [401, undefined, 'auth', null],
    [400, DHAN_FAILURES.tokenExpired807.body, 'auth', '807'],
    [200, { status: 'failed', data: { '810': 'ClientId is invalid' } }, 'auth', '810'],
    [200, { status: 'failed', Data: { '809': 'Access token is invalid' } }, 'auth', '809'],
    [200, { status: 'failed', remarks: { error_code: '808', error_message: 'Authentication Failed' } }, 'auth', '808'],
    [400, DHAN_FAILURES.inputDH905.body, 'input', 'DH-905'],
    [400, DHAN_FAILURES.invalidExpiry811.body, 'input', '811'],
    [400, { errorType: 'Data_Error', errorCode: '814', errorMessage: 'Invalid Request' }, 'input', '814'],
    [400, DHAN_FAILURES.dataDH907.body, 'server', 'DH-907'],
    [500, DHAN_FAILURES.internalDH908.body, 'server', 'DH-908'],
    [502, undefined, 'server', null],
  ] as const)('HTTP %i with %j is %s (code %s)', (status, body, kind, code) => {
    const error = dhanApiError(status, body, 'POST /v2/optionchain');
    expect(error).toBeInstanceOf(DhanApiError);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
    expect(error.httpStatus).toBe(status);
  });
});

describe('parseDhanChain', () => {
  const underlying = FAKE_DHAN_UNDERLYINGS[0];
  const expiry = '2099-01-06';
  const body = () => fakeChain(underlying, expiry, 0, Date.parse('2098-12-30T05:00:00Z'));
  const meta = { symbol: 'NIFTY', expiry, fetchedAt: 1, lotSize: underlying.lotSize };

  it('converts percent IV to a decimal, sorts rows by strike and keeps source Greeks', () => {
    const chain = body();
    const { snapshot, rejected } = parseDhanChain(chain, { ...meta, fetchedAt: 1_700_000_000_123 });
    expect(rejected).toEqual([]);
    expect(snapshot).toMatchObject({ version: 1, source: 'dhan', symbol: 'NIFTY', expiry, timestamp: 1_700_000_000_123, spot: underlying.spot });
    const strikes = snapshot.rows.map((r) => r.strike);
    expect(strikes).toEqual([...strikes].sort((a, b) => a - b));
    expect(strikes).toHaveLength(13);
    const atm = snapshot.rows.find((r) => r.strike === 24_000)!;
    const sent = chain.data.oc['24000.000000'].ce as { implied_volatility: number; greeks: { delta: number }; top_bid_price: number; security_id: number };
    expect(atm.call!.sourceIv).toBeCloseTo(sent.implied_volatility / 100, 12);
    expect(atm.call!.sourceIv).toBeGreaterThan(0.05);
    expect(atm.call!.sourceIv).toBeLessThan(0.5);
    expect(atm.call!.sourceDelta).toBe(sent.greeks.delta);
    expect(atm.call!.bid).toBe(sent.top_bid_price);
    expect(atm.call!.securityId).toBe(String(sent.security_id));
  });

  it('divides OI, previous OI and volume in units by the lot size into contracts, and keeps bid/ask quantities in units', () => {
    const chain = body();
    const { snapshot, notWholeLots } = parseDhanChain(chain, meta);
    const sent = chain.data.oc['24000.000000'].ce as { oi: number; previous_oi: number; volume: number; top_bid_quantity: number; top_ask_quantity: number };
    const call = snapshot.rows.find((r) => r.strike === 24_000)!.call!;
    expect(call.oi).toBe(sent.oi / 65);
    expect(Number.isInteger(call.oi)).toBe(true);
    expect(call.previousOi).toBe(sent.previous_oi / 65);
    expect(call.volume).toBe(sent.volume / 65);
    expect(call.bidQty).toBe(sent.top_bid_quantity);
    expect(call.askQty).toBe(sent.top_ask_quantity);
    expect(notWholeLots).toBe(0);
  });

  it('turns null and empty {} sides into null, and IV/Greeks of 0 into null', () => {
    const { snapshot } = parseDhanChain(body(), meta);
    const lowest = snapshot.rows[0];
    const highest = snapshot.rows[snapshot.rows.length - 1];
    const secondHighest = snapshot.rows[snapshot.rows.length - 2];
    expect(lowest.call).toBeNull();
    expect(lowest.put).not.toBeNull();
    expect(highest.put).toBeNull();
    expect(secondHighest.call).toMatchObject({ sourceIv: null, sourceDelta: null, sourceGamma: null, sourceTheta: null, sourceVega: null });
    expect(secondHighest.call!.oi).toBeGreaterThan(0);
  });

  it('gives an identical payload the same id and a changed payload another', () => {
    const a = parseDhanChain(body(), meta).snapshot.id;
    const b = parseDhanChain(body(), { ...meta, fetchedAt: 2 }).snapshot.id;
    const changed = body();
    (changed.data.oc['24000.000000'].ce as { volume: number }).volume += 1;
    expect(a).toBe(b);
    expect(a).toMatch(/^dhan:NIFTY:2099-01-06:[0-9a-f]{16}$/);
    expect(parseDhanChain(changed, meta).snapshot.id).not.toBe(a);
  });

  it('rejects malformed strike entries one by one and keeps the rest of the chain', () => {
    const malformed = DHAN_FAILURES.malformedStrikes.mutate(body());
    const { snapshot, rejected } = parseDhanChain(malformed, meta);
    expect(snapshot.rows).toHaveLength(13);
    expect(rejected.map((r) => r.reason).sort()).toEqual(['invalid_side', 'invalid_strike_entry', 'invalid_strike_key']);
    expect(rejected.find((r) => r.reason === 'invalid_side')!.message).toContain('ce.last_price');
  });

  it.each([
    [undefined, 'invalid_json'],
    [{ status: 'success' }, 'invalid_envelope'],
    [{ data: { last_price: 24_000 } }, 'invalid_envelope'],
    [{ data: { last_price: 0, oc: {} } }, 'invalid_spot'],
    [{ data: { last_price: 24_000, oc: {} } }, 'empty_chain'],
    [{ data: { last_price: 24_000, oc: { abc: {} } } }, 'empty_chain'],
  ])('rejects the whole payload %j with reason %s', (payload, reason) => {
    expect(() => parseDhanChain(payload, meta)).toThrow(expect.objectContaining({ reason }));
  });
});

describe("Dhan's documented sample responses: quantities in units", () => {
  const nifty = instrumentTable().get('NIFTY')!;
  // The current sample, read as a snapshot of the 27 January 2026 expiry taken on 20 January 2026, 10:00 IST.
  const current = { symbol: 'NIFTY', expiry: '2026-01-27', fetchedAt: Date.parse('2026-01-20T04:30:00Z') };
  const currentLot = lotSizeOn(nifty, '2026-01-20', current.expiry);
  const { ce, pe } = DHAN_SAMPLE_LOT_65.data.oc['25650.000000'];

  it('turns the current sample, in multiples of 65, into whole contracts', () => {
    expect(currentLot).toBe(65);
    const { snapshot, notWholeLots } = parseDhanChain(DHAN_SAMPLE_LOT_65, { ...current, lotSize: currentLot });
    expect(notWholeLots).toBe(0);
    expect(snapshot.rows).toHaveLength(1);
    const { call, put } = snapshot.rows[0];
    // 3,786,445 units = 58,253 lots of 65, and so on; quotes' quantities stay in units (1,625 = 25 lots).
    expect(call).toMatchObject({ oi: 58_253, previousOi: 6_188, volume: 1_808_738, bidQty: 1_625, askQty: 1_365, ltp: 134, bid: 133.55, ask: 134 });
    expect(put).toMatchObject({ oi: 47_633, previousOi: 35_804, volume: 2_415_538, bidQty: 65, askQty: 390 });
    expect(call!.sourceIv).toBeCloseTo(0.09789193798280868, 15);
  });

  it('turns the older 2024 sample, in multiples of 25, into whole contracts with the lot of its date', () => {
    const lotSize = lotSizeOn(nifty, '2024-10-24', '2024-10-31');
    expect(lotSize).toBe(25);
    const { snapshot, notWholeLots } = parseDhanChain(DHAN_SAMPLE_LOT_25, { symbol: 'NIFTY', expiry: '2024-10-31', fetchedAt: Date.parse('2024-10-24T05:00:00Z'), lotSize });
    expect(notWholeLots).toBe(0);
    const { call, put } = snapshot.rows[0];
    expect(call).toMatchObject({ oi: 238_507, previousOi: 157_575, volume: 3_368_105, bidQty: 100, askQty: 1_000 });
    expect(put).toMatchObject({ oi: 202_388, previousOi: 186_708, volume: 3_243_887, bidQty: 50, askQty: 375 });
  });

  it('counts the quantities that are not whole lots when the lot size is wrong for the contract', () => {
    const { snapshot, notWholeLots } = parseDhanChain(DHAN_SAMPLE_LOT_65, { ...current, lotSize: 75 });
    expect(notWholeLots).toBe(10); // OI, previous OI, volume, bid and ask quantity on both sides
    expect(snapshot.rows[0].call!.oi).toBeCloseTo(3_786_445 / 75, 9);
  });

  it('gives OI totals in contracts and total GEX from Γ·OI in units, not 65 times it (regression: OI taken as contracts)', () => {
    const { snapshot } = parseDhanChain(DHAN_SAMPLE_LOT_65, { ...current, lotSize: currentLot });
    const enriched = enrichSnapshot(snapshot, { instrument: nifty, rate: 0.065, now: () => current.fetchedAt });
    expect(enriched.lotSize).toBe(65);
    expect(enriched.analytics).toMatchObject({ totalCallOi: 58_253, totalPutOi: 47_633 });
    expect(enriched.analytics.pcrOi).toBeCloseTo(47_633 / 58_253, 12);
    // Dealers long calls, short puts: GEX = S²·0.01·(Γ_call·OI_call − Γ_put·OI_put), OI in units of the index as Dhan sent it.
    const { call, put } = enriched.rows[0];
    expect(call!.gamma).toBeGreaterThan(0);
    expect(put!.gamma).toBeGreaterThan(0);
    const spot = DHAN_SAMPLE_LOT_65.data.last_price;
    const expected = spot * spot * 0.01 * (call!.gamma! * ce.oi - put!.gamma! * pe.oi);
    expect(enriched.analytics.totalGex! / expected).toBeCloseTo(1, 12);
  });
});

describe('dhanUnderlyings', () => {
  it('takes security ids and segments from the instrument table and names an unknown symbol', () => {
    const table = instrumentTable();
    expect(dhanUnderlyings(['NIFTY', 'SENSEX'])).toEqual([
      { symbol: 'NIFTY', securityId: 13, segment: 'IDX_I', lotSizes: table.get('NIFTY')!.lotSizes },
      { symbol: 'SENSEX', securityId: 51, segment: 'IDX_I', lotSizes: table.get('SENSEX')!.lotSizes },
    ]);
    expect(() => dhanUnderlyings(['NIFTTY'])).toThrow(/NIFTTY/);
  });
});

describe('DhanSource against the fake Dhan server', () => {
  it('fetches expiry lists, then round-robins over every (symbol, expiry) pair, requests at least minIntervalMs apart', async () => {
    const { fake, source, snapshots, issued } = await setup();
    await until(() => snapshots.length >= 6, 4000, 'six snapshots');
    await source.stop();

    const [first, second] = fake.requests;
    expect([first.endpoint, second.endpoint]).toEqual(['expirylist', 'expirylist']);
    expect(first.body).toEqual({ UnderlyingScrip: 13, UnderlyingSeg: 'IDX_I' });
    expect(first).toMatchObject({ accessToken: TOKEN, clientId: CLIENT, contentType: 'application/json', accept: 'application/json' });

    const niftyExpiries = fake.underlyings[0].expiries.slice(0, 2);
    const bankExpiries = fake.underlyings[1].expiries.slice(0, 2);
    const pairs = chainRequests(fake).map((r) => r.body as { UnderlyingScrip: number; Expiry: string });
    expect(pairs.slice(0, 5)).toEqual([
      { UnderlyingScrip: 13, UnderlyingSeg: 'IDX_I', Expiry: niftyExpiries[0] },
      { UnderlyingScrip: 13, UnderlyingSeg: 'IDX_I', Expiry: niftyExpiries[1] },
      { UnderlyingScrip: 25, UnderlyingSeg: 'IDX_I', Expiry: bankExpiries[0] },
      { UnderlyingScrip: 25, UnderlyingSeg: 'IDX_I', Expiry: bankExpiries[1] },
      { UnderlyingScrip: 13, UnderlyingSeg: 'IDX_I', Expiry: niftyExpiries[0] },
    ]);

    // Every request (both endpoints) issued at least minIntervalMs after the previous one
    // (1 ms of slack: the source's clock is Date.now()); none rate-limited by the server.
    expect(issued).toHaveLength(fake.requests.length);
    const gaps = issued.slice(1).map((t, i) => t - issued[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(40 - 1);
    expect(fake.requests.every((r) => r.status === 200 || r.status === 0)).toBe(true);

    const nifty = snapshots[0];
    expect(nifty).toMatchObject({ source: 'dhan', symbol: 'NIFTY', expiry: niftyExpiries[0], spot: fake.underlyings[0].spot });
    const sent = JSON.parse(chainRequests(fake)[0].responseText!);
    const atm = nifty.rows.find((r) => r.strike === 24_000)!;
    expect(atm.put!.sourceIv).toBeCloseTo(sent.data.oc['24000.000000'].pe.implied_volatility / 100, 12);
    // Dhan's units become contracts of NIFTY's current lot (65); the quote sizes stay in units.
    expect(atm.put!.oi).toBe(sent.data.oc['24000.000000'].pe.oi / 65);
    expect(atm.put!.bidQty).toBe(sent.data.oc['24000.000000'].pe.top_bid_quantity);
    expect(nifty.rows[0].call).toBeNull();
    expect(nifty.rows.at(-1)!.put).toBeNull();
    expect(new Set(snapshots.map((s) => s.id)).size).toBe(snapshots.length);

    expect(source.status()).toMatchObject({
      name: 'dhan',
      state: 'stopped',
      snapshotsEmitted: snapshots.length,
      rejected: {},
      errors: {},
      breaker: 'closed',
      expiries: { NIFTY: niftyExpiries, BANKNIFTY: bankExpiries },
      notWholeLots: {},
    });
  });

  it('counts and logs quantities that are not whole lots of the lot size it divides by', async () => {
    const events: { event: string; [field: string]: unknown }[] = [];
    const [niftyIn25s] = FAKE_DHAN_UNDERLYINGS.map((u) => ({ ...u, lotSize: 25 }));
    const { source, snapshots } = await setup({ symbols: [NIFTY], log: (e) => void events.push(e) }, { underlyings: [niftyIn25s] });
    await until(() => snapshots.length >= 1, 3000, 'a snapshot');
    await source.stop();
    expect(source.status().notWholeLots.NIFTY).toBeGreaterThan(0);
    expect(events.find((e) => e.event === 'dhan_not_whole_lots')).toMatchObject({ level: 'warn', symbol: 'NIFTY', lotSize: 65 });
  });

  it('backs off on DH-904 and 805, retries the same pair and loses nothing; the breaker never counts them', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => {
      f.script(DHAN_FAILURES.rateLimitDH904, { times: 2 });
      f.script(DHAN_FAILURES.tooManyRequests805);
    });
    await until(() => snapshots.length >= 2, 4000, 'two snapshots');
    await source.stop();

    const chains = chainRequests(fake);
    expect(chains.slice(0, 4).map((r) => r.status)).toEqual([429, 429, 429, 200]);
    // The same pair is retried until it succeeds: the first snapshot is the first pair's.
    const firstPair = chains[0].body;
    expect(chains.slice(1, 4).map((r) => r.body)).toEqual([firstPair, firstPair, firstPair]);
    expect(snapshots[0].expiry).toBe((firstPair as { Expiry: string }).Expiry);
    // Exponential backoff: 30 ms, 60 ms, 120 ms (on top of the 40 ms spacing).
    const gaps = chains.slice(1, 4).map((r, i) => r.at - chains[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(30 - 3);
    expect(gaps[1]).toBeGreaterThanOrEqual(60 - 3);
    expect(gaps[2]).toBeGreaterThanOrEqual(120 - 3);
    expect(source.status()).toMatchObject({ errors: { rate_limited: 3 }, breaker: 'closed', rejected: {} });
    expect(source.status().lastError).toMatch(/805/);
  });

  it('backs off when the server enforces a stricter interval than configured, and still delivers every pair', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY], minIntervalMs: 10, rateLimitBackoff: { initialDelayMs: 60, maxDelayMs: 60 } }, { minIntervalMs: 50, rateLimitCode: '805' });
    await until(() => snapshots.length >= 4, 4000, 'four snapshots');
    await source.stop();
    expect(fake.requests.some((r) => r.status === 429)).toBe(true);
    const expiries = fake.underlyings[0].expiries.slice(0, 2);
    expect(snapshots.slice(0, 4).map((s) => s.expiry)).toEqual([expiries[0], expiries[1], expiries[0], expiries[1]]);
    expect(source.status().errors.rate_limited).toBeGreaterThan(0);
  });

  it('stops for good on a wrong token (401 DH-901), with a clear message and no further requests', async () => {
    fake = await startFakeDhan({ minIntervalMs: 30 });
    const snapshots: RawSnapshot[] = [];
    source = new DhanSource({ baseUrl: fake.url, accessToken: 'expired-token', clientId: CLIENT, symbols: [NIFTY], minIntervalMs: 10 });
    await source.start((s) => void snapshots.push(s));
    await until(() => source!.status().state === 'failed', 2000, 'failed state');
    await pause(100);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].status).toBe(401);
    const status = source.status();
    expect(status.message).toMatch(/Dhan rejected the credentials \(DH-901/);
    expect(status.message).toMatch(/stopped/);
    expect(status.errors).toEqual({ auth: 1 });
    expect(snapshots).toEqual([]);
    await source.stop();
    expect(source.status().state).toBe('failed');
  });

  it.each([
    ['807 token expired', DHAN_FAILURES.tokenExpired807, /807: the access token has expired/],
    ['808 authentication failed', DHAN_FAILURES.authFailed808, /808: authentication failed/],
    ['809 token invalid', DHAN_FAILURES.tokenInvalid809, /809: the access token is invalid/],
    ['810 client id invalid', DHAN_FAILURES.clientIdInvalid810, /810: the client id is invalid/],
    ['{status:"failed", data:{"810": …}} with HTTP 200', DHAN_FAILURES.clientIdInvalidFailed, /810: the client id is invalid/],
  ])('stops on %s in the middle of polling', async (_name, failure, message) => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => f.script(failure, { endpoint: 'optionchain' }));
    await until(() => source.status().state === 'failed', 2000, 'failed state');
    const count = fake.requests.length;
    await pause(100);
    expect(fake.requests).toHaveLength(count);
    expect(fake.requests.map((r) => r.endpoint)).toEqual(['expirylist', 'optionchain']);
    expect(source.status().message).toMatch(message);
    expect(snapshots).toEqual([]);
  });

  it('retries server errors, opens the breaker (degraded, with the reason), and recovers when the server heals', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => f.script(DHAN_FAILURES.internalDH908, { times: Infinity, endpoint: 'any' }));
    await until(() => source.status().state === 'degraded', 3000, 'degraded state');
    const degraded = source.status();
    expect(degraded.breaker).toBe('open');
    expect(degraded.message).toMatch(/circuit open after 3 consecutive failures/);
    expect(degraded.message).toMatch(/DH-908/);
    expect(fake.requests).toHaveLength(3); // three tries of the expiry list, then the breaker holds requests back
    await pause(60);
    expect(fake.requests).toHaveLength(3);

    // Still down at the first half-open probe: the breaker opens again.
    await until(() => (source.status().errors.server ?? 0) >= 4, 1000, 'a failed half-open probe');
    expect(source.status()).toMatchObject({ state: 'degraded', breaker: 'open' });

    fake.clearScript();
    await until(() => snapshots.length >= 2, 3000, 'snapshots after recovery');
    const status = source.status();
    expect(status).toMatchObject({ state: 'running', breaker: 'closed' });
    expect(status.message).toBeUndefined();
    expect(status.errors.server).toBeGreaterThanOrEqual(4);
    // The probe came no sooner than halfOpenAfterMs after the breaker opened.
    expect(fake.requests[3].at - fake.requests[2].at).toBeGreaterThanOrEqual(150 - 5);
  });

  it.each([
    ['HTTP 500 with a plain-text body', DHAN_FAILURES.server500],
    ['HTTP 502 with an HTML page', DHAN_FAILURES.badGateway502],
    ['DH-907', DHAN_FAILURES.dataDH907],
  ])('retries after %s and then delivers', async (_name, failure) => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY], expiriesPerSymbol: 1 }, {}, (f) => f.script(failure, { times: 2, endpoint: 'any' }));
    await until(() => snapshots.length >= 1, 3000, 'a snapshot');
    expect(fake.requests.slice(0, 2).every((r) => r.status === failure.status)).toBe(true);
    expect(source.status()).toMatchObject({ breaker: 'closed', rejected: {} });
    expect(Object.values(source.status().errors).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('retries an expiry list refused as input (DH-905) later, without holding up the other symbols', async () => {
    const { fake, source, snapshots } = await setup({ expiriesPerSymbol: 1 }, {}, (f) => f.script(DHAN_FAILURES.inputDH905, { endpoint: 'expirylist' }));
    await until(() => snapshots.some((s) => s.symbol === 'NIFTY'), 3000, 'a NIFTY snapshot');
    expect(fake.requests[0]).toMatchObject({ endpoint: 'expirylist', status: 400 });
    expect(fake.requests[1]).toMatchObject({ endpoint: 'expirylist', body: { UnderlyingScrip: 25, UnderlyingSeg: 'IDX_I' } });
    expect(snapshots[0].symbol).toBe('BANKNIFTY');
    // NIFTY's list is asked again only after 10 request intervals.
    const retry = fake.requests.findIndex((r, i) => i > 0 && r.endpoint === 'expirylist' && (r.body as { UnderlyingScrip: number }).UnderlyingScrip === 13);
    expect(fake.requests[retry].at - fake.requests[0].at).toBeGreaterThanOrEqual(400 - 5);
    expect(source.status().errors).toEqual({ input: 1 });
  });

  it('treats a refused connection as a network error behind the breaker', async () => {
    fake = await startFakeDhan();
    const url = fake.url;
    await fake.close();
    fake = undefined;
    source = new DhanSource({
      baseUrl: url,
      accessToken: TOKEN,
      clientId: CLIENT,
      symbols: [NIFTY],
      minIntervalMs: 10,
      retryBackoff: { initialDelayMs: 5, maxDelayMs: 10 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 1000 },
    });
    await source.start(() => {});
    await until(() => source!.status().state === 'degraded', 2000, 'degraded state');
    expect(source.status().errors.network).toBe(2);
    expect(source.status().message).toMatch(/circuit open/);
  });

  it('times out a hung request, counts it as a network error, and retries', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY], requestTimeoutMs: 100 }, {}, (f) => f.script({ hangMs: 2000 }));
    const started = Date.now();
    await until(() => snapshots.length >= 1, 3000, 'a snapshot');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(source.status().errors).toEqual({ network: 1 });
    expect(source.status().lastError).toMatch(/no complete response within 100 ms/);
    const chains = chainRequests(fake);
    expect(chains[1].body).toEqual(chains[0].body);
  });

  it('stop() aborts the request in flight and resolves promptly; nothing is emitted afterwards', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY], requestTimeoutMs: 5000 }, {}, (f) => f.script({ hangMs: 3000 }));
    await until(() => chainRequests(fake).length === 1, 2000, 'a chain request');
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(source.status().state).toBe('stopped');
    await pause(100);
    expect(snapshots).toEqual([]);
    expect(fake.requests).toHaveLength(2);
  });

  it('rejects malformed payloads whole (counted by reason) and emits the next good one', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => {
      f.script(DHAN_FAILURES.malformedJson);
      f.script(DHAN_FAILURES.missingOc);
    });
    await until(() => snapshots.length >= 1, 3000, 'a snapshot');
    const status = source.status();
    expect(status.rejected).toEqual({ invalid_json: 1, invalid_envelope: 1 });
    expect(status.errors).toEqual({});
    expect(status.breaker).toBe('closed');
    expect(status.state).toBe('running');
    expect(chainRequests(fake).map((r) => r.status).slice(0, 3)).toEqual([200, 200, 200]);
    expect(snapshots[0].rows).toHaveLength(13);
  });

  it('counts malformed strike entries and keeps the other strikes', async () => {
    const { source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => f.script(DHAN_FAILURES.malformedStrikes));
    await until(() => snapshots.length >= 1, 3000, 'a snapshot');
    expect(snapshots[0].rows).toHaveLength(13);
    expect(snapshots[0].rows.some((r) => r.strike > 90_000)).toBe(false);
    expect(source.status().rejected).toEqual({ invalid_strike_key: 1, invalid_strike_entry: 1, invalid_side: 1 });
  });

  it('sets aside an expiry Dhan calls invalid (811), refreshes the expiry list and polls the next expiry', async () => {
    const { fake, source, snapshots } = await setup({ symbols: [NIFTY] }, {}, (f) => f.script(DHAN_FAILURES.invalidExpiry811));
    await until(() => snapshots.length >= 2, 3000, 'two snapshots');
    await source.stop();
    const expiries = fake.underlyings[0].expiries;
    expect(fake.requests.map((r) => r.endpoint).slice(0, 3)).toEqual(['expirylist', 'optionchain', 'expirylist']);
    expect(snapshots.map((s) => s.expiry)).not.toContain(expiries[0]);
    expect(new Set(snapshots.map((s) => s.expiry))).toEqual(new Set([expiries[1], expiries[2]]));
    expect(source.status().errors).toEqual({ input: 1 });
  });
});
