/**
 * A local fake of Dhan's option-chain API (v2), for tests: it answers
 * `POST /v2/optionchain/expirylist` and `POST /v2/optionchain` in the
 * documented shapes, checks the `access-token` / `client-id` headers (401
 * DH-901 otherwise), enforces the one-request-per-interval rule on option
 * chains (429 DH-904 or 805 when two come closer than `minIntervalMs`), and
 * plays scripted failures: `script(response, { times })` makes the next
 * matching requests answer that way.
 *
 * Chains are priced with Black-Scholes around each underlying's spot, and
 * always contain Dhan's awkward cases: the lowest strike has an empty `{}`
 * call, the highest strike a `null` put, and the second-highest strike's call
 * has IV 0 and all Greeks 0. Strikes are sent in descending order (callers
 * must sort). Every served chain bumps the volumes, so successive payloads differ.
 * Quantities are in units of the underlying, as Dhan sends them: every `oi`,
 * `previous_oi`, `volume`, `previous_volume` and top bid/ask quantity is a
 * whole number of the underlying's `lotSize`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { optionGreeks } from '../core/pricing/black.ts';
import { expiryInstant, istDate, yearsToExpiry } from '../core/time/expiry.ts';
import { loadConfig, type Config } from '../core/config.ts';

export interface FakeDhanUnderlying {
  symbol: string;
  securityId: number;
  segment: string;
  spot: number;
  strikeStep: number;
  /** Units per contract: Dhan's quantities are whole multiples of it. */
  lotSize: number;
  /** Strikes each side of the ATM strike. Default 6. */
  strikesEachSide?: number;
  /** ATM IV in percent. Default 13. */
  atmIvPct?: number;
  /** Listed expiries; default the next four weekly expiries on `expiryWeekday`. */
  expiries?: string[];
  /** ISO weekday of expiry (1 = Monday). Default 2 (Tuesday). */
  expiryWeekday?: number;
}

export interface FakeDhanOptions {
  accessToken?: string;
  clientId?: string;
  /** Minimum gap between two option-chain requests, ms. Default 3000 (Dhan's rule); tests use tens of ms. */
  minIntervalMs?: number;
  /** How a too-fast request is answered. Default 'DH-904'. */
  rateLimitCode?: 'DH-904' | '805';
  underlyings?: FakeDhanUnderlying[];
}

export type FakeEndpoint = 'optionchain' | 'expirylist';

/** A scripted answer. */
export type FakeResponse =
  /** JSON body with this status. */
  | { status: number; body: unknown }
  /** A body sent verbatim (e.g. malformed JSON, HTML error pages). */
  | { status: number; raw: string }
  /** The normal chain, altered before it is sent (200). */
  | { mutate: (body: DhanChainBody) => unknown }
  /** Waits this long, then answers normally (if the client is still there). */
  | { hangMs: number };

export interface FakeRequest {
  /** Arrival, ms (performance.now()). */
  at: number;
  endpoint: FakeEndpoint | 'other';
  path: string;
  accessToken: string | undefined;
  clientId: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
  body: unknown;
  /** Status answered; 0 while unanswered (or when the client went away first). */
  status: number;
  responseText: string | null;
}

export interface DhanSideBody {
  last_price: number;
  oi: number;
  previous_oi: number;
  volume: number;
  previous_volume: number;
  previous_close_price: number;
  implied_volatility: number;
  greeks: { delta: number; theta: number; gamma: number; vega: number };
  top_bid_price: number;
  top_bid_quantity: number;
  top_ask_price: number;
  top_ask_quantity: number;
  average_price: number;
  security_id: number;
}

export interface DhanChainBody {
  data: { last_price: number; oc: Record<string, { ce?: DhanSideBody | Record<string, never> | null; pe?: DhanSideBody | Record<string, never> | null }> };
  status: 'success';
}

export interface FakeDhan {
  url: string;
  /** Every request received, in arrival order. */
  requests: FakeRequest[];
  /** The next `times` (default 1) requests to `endpoint` (default 'optionchain') answer `response`. */
  script(response: FakeResponse, options?: { times?: number; endpoint?: FakeEndpoint | 'any' }): void;
  /** Drops every scripted answer not yet played (the server "heals"). */
  clearScript(): void;
  /** The underlyings served, with their listed expiries filled in. */
  underlyings: (FakeDhanUnderlying & { expiries: string[] })[];
  close(): Promise<void>;
}

/** Error answers as Dhan sends them (the `status: failed` ones are unofficial, seen in the wild). */
export const DHAN_FAILURES = {
  rateLimitDH904: {
    status: 429,
    body: { errorType: 'Rate_Limit', errorCode: 'DH-904', errorMessage: 'Too many requests on server from single user breaching rate limits. Try throttling API calls.' },
  },
  tooManyRequests805: {
    status: 429,
    body: { errorType: 'Data_Error', errorCode: '805', errorMessage: 'Too many requests. Further requests may result in the user being blocked.' },
  },
  invalidAuthDH901: {
    status: 401,
    body: { errorType: 'Invalid_Authentication', errorCode: 'DH-901', errorMessage: 'Client ID or user generated access token is invalid or expired.' },
  },
  tokenExpired807: { status: 401, body: { errorType: 'Data_Error', errorCode: '807', errorMessage: 'Access token is expired' } },
  authFailed808: { status: 401, body: { errorType: 'Data_Error', errorCode: '808', errorMessage: 'Authentication Failed - Client ID or Access Token invalid' } },
  tokenInvalid809: { status: 401, body: { errorType: 'Data_Error', errorCode: '809', errorMessage: 'Access token is invalid' } },
  clientIdInvalid810: { status: 401, body: { errorType: 'Data_Error', errorCode: '810', errorMessage: 'Client ID is invalid' } },
  /** Answered with HTTP 200, as seen in the wild. */
  clientIdInvalidFailed: { status: 200, body: { status: 'failed', data: { '810': 'ClientId is invalid' } } },
  inputDH905: { status: 400, body: { errorType: 'Input_Exception', errorCode: 'DH-905', errorMessage: 'Missing required fields, bad values for parameters etc.' } },
  invalidExpiry811: { status: 400, body: { errorType: 'Data_Error', errorCode: '811', errorMessage: 'Invalid Expiry Date' } },
  dataDH907: { status: 400, body: { errorType: 'Data_Error', errorCode: 'DH-907', errorMessage: 'System is unable to fetch data due to incorrect parameters or no data present.' } },
  internalDH908: { status: 500, body: { errorType: 'Internal_Server_Error', errorCode: 'DH-908', errorMessage: 'Server was not able to process API request.' } },
  server500: { status: 500, raw: 'Internal Server Error' },
  badGateway502: { status: 502, raw: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  malformedJson: { status: 200, raw: '{"data":{"last_price":24012.5,"oc":{"24000.000000":{"ce":{"last_price":1' },
  missingOc: { status: 200, body: { data: { last_price: 24012.5 }, status: 'success' } },
  /** Three bad strikes added to a good chain: a non-numeric key, a non-object entry, a side with a string price. */
  malformedStrikes: {
    mutate: (body: DhanChainBody): unknown => {
      const oc: Record<string, unknown> = { ...body.data.oc };
      const [firstKey] = Object.keys(oc);
      const good = oc[firstKey] as { ce: Record<string, unknown> };
      oc['abc'] = good;
      oc['99999.000000'] = 42;
      oc['99998.000000'] = { ce: { ...good.ce, last_price: '12.5' }, pe: null };
      return { ...body, data: { ...body.data, oc } };
    },
  },
} satisfies Record<string, FakeResponse>;

export const FAKE_DHAN_UNDERLYINGS: FakeDhanUnderlying[] = [
  { symbol: 'NIFTY', securityId: 13, segment: 'IDX_I', spot: 24_012.5, strikeStep: 50, lotSize: 65, atmIvPct: 12.8 },
  { symbol: 'BANKNIFTY', securityId: 25, segment: 'IDX_I', spot: 51_980.35, strikeStep: 100, lotSize: 30, atmIvPct: 14.6 },
];

/** The next `count` expiry dates on an ISO weekday whose 15:30 IST close is still ahead of `fromMs`. */
export function upcomingExpiries(weekday: number, count: number, fromMs = Date.now()): string[] {
  const out: string[] = [];
  let day = Date.parse(`${istDate(fromMs)}T00:00:00Z`);
  while (out.length < count) {
    const date = new Date(day).toISOString().slice(0, 10);
    const isoWeekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    if (isoWeekday === weekday && expiryInstant(date) > fromMs) out.push(date);
    day += 86_400_000;
  }
  return out;
}

const tick = (price: number) => Math.max(0.05, Math.round(price / 0.05) * 0.05);
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** A realistic Dhan chain for one underlying and expiry; `serial` varies volumes between calls. */
export function fakeChain(underlying: FakeDhanUnderlying, expiry: string, serial = 0, nowMs = Date.now()): DhanChainBody {
  const n = underlying.strikesEachSide ?? 6;
  const atm = Math.round(underlying.spot / underlying.strikeStep) * underlying.strikeStep;
  const tYears = Math.max(yearsToExpiry(nowMs, expiryInstant(expiry)), 1 / 365 / 24);
  const atmIv = (underlying.atmIvPct ?? 13) / 100;
  const strikes: number[] = [];
  for (let i = n; i >= -n; i--) strikes.push(atm + i * underlying.strikeStep); // descending, on purpose
  const oc: DhanChainBody['data']['oc'] = {};
  strikes.forEach((strike, index) => {
    const moneyness = Math.log(strike / underlying.spot);
    const vol = atmIv - 0.25 * moneyness + 1.5 * moneyness * moneyness;
    const side = (type: 'call' | 'put', securityId: number): DhanSideBody => {
      const g = optionGreeks({ underlying: underlying.spot, strike, tYears, vol, rate: 0.065, type });
      const ltp = tick(g.price);
      const distance = Math.abs(strike - atm) / underlying.strikeStep;
      const lot = underlying.lotSize;
      const oiContracts = Math.round((30_000 / (1 + distance)) * (type === 'call' ? (strike >= atm ? 1.2 : 0.4) : strike <= atm ? 1.3 : 0.35));
      const volumeContracts = Math.round(oiContracts * 3.1) + serial;
      return {
        last_price: ltp,
        oi: oiContracts * lot,
        previous_oi: Math.round(oiContracts * 0.93) * lot,
        volume: volumeContracts * lot,
        previous_volume: Math.round(volumeContracts * 0.8) * lot,
        previous_close_price: tick(ltp * 1.04),
        implied_volatility: round(vol * 100, 2),
        greeks: { delta: round(g.delta, 5), theta: round(g.theta, 4), gamma: round(g.gamma, 6), vega: round(g.vega, 4) },
        top_bid_price: tick(ltp - 0.05 * (1 + distance)),
        top_bid_quantity: lot * (1 + (index % 7)),
        top_ask_price: tick(ltp + 0.05 * (1 + distance)),
        top_ask_quantity: lot * (1 + ((index + 3) % 5)),
        average_price: tick(ltp * 0.99),
        security_id: securityId,
      };
    };
    oc[strike.toFixed(6)] = { ce: side('call', 40_000 + 2 * index), pe: side('put', 40_001 + 2 * index) };
  });
  const highest = strikes[0];
  const secondHighest = strikes[1];
  const lowest = strikes[strikes.length - 1];
  oc[lowest.toFixed(6)].ce = {};
  oc[highest.toFixed(6)].pe = null;
  const noIv = oc[secondHighest.toFixed(6)].ce as DhanSideBody;
  noIv.implied_volatility = 0;
  noIv.greeks = { delta: 0, theta: 0, gamma: 0, vega: 0 };
  return { data: { last_price: underlying.spot, oc }, status: 'success' };
}

interface ScriptEntry {
  response: FakeResponse;
  remaining: number;
  endpoint: FakeEndpoint | 'any';
}

export async function startFakeDhan(options: FakeDhanOptions = {}): Promise<FakeDhan> {
  const accessToken = options.accessToken ?? 'test-access-token';
  const clientId = options.clientId ?? '1100000001';
  const minIntervalMs = options.minIntervalMs ?? 3000;
  const underlyings = (options.underlyings ?? FAKE_DHAN_UNDERLYINGS).map((u) => ({
    ...u,
    expiries: u.expiries ?? upcomingExpiries(u.expiryWeekday ?? 2, 4),
  }));
  const requests: FakeRequest[] = [];
  const scripts: ScriptEntry[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let lastChainAt = -Infinity;
  let serial = 0;

  const send = (record: FakeRequest, res: ServerResponse, status: number, text: string) => {
    record.status = status;
    record.responseText = text;
    if (res.destroyed || res.writableEnded) {
      record.status = 0;
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(text);
  };
  const sendJson = (record: FakeRequest, res: ServerResponse, status: number, body: unknown) => send(record, res, status, JSON.stringify(body));

  const answerNormally = (record: FakeRequest, res: ServerResponse, mutate?: (body: DhanChainBody) => unknown) => {
    const body = record.body as { UnderlyingScrip?: unknown; UnderlyingSeg?: unknown; Expiry?: unknown } | null;
    if (typeof body !== 'object' || body === null || typeof body.UnderlyingScrip !== 'number' || typeof body.UnderlyingSeg !== 'string') {
      return sendJson(record, res, 400, DHAN_FAILURES.inputDH905.body);
    }
    const underlying = underlyings.find((u) => u.securityId === body.UnderlyingScrip && u.segment === body.UnderlyingSeg);
    if (!underlying) return sendJson(record, res, 400, { errorType: 'Data_Error', errorCode: '813', errorMessage: 'Invalid SecurityId' });
    if (record.endpoint === 'expirylist') return sendJson(record, res, 200, { data: underlying.expiries, status: 'success' });
    if (typeof body.Expiry !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(body.Expiry)) {
      return sendJson(record, res, 400, { errorType: 'Data_Error', errorCode: '812', errorMessage: 'Invalid date format' });
    }
    if (!underlying.expiries.includes(body.Expiry)) return sendJson(record, res, 400, DHAN_FAILURES.invalidExpiry811.body);
    const chain = fakeChain(underlying, body.Expiry, serial++);
    return sendJson(record, res, 200, mutate ? mutate(chain) : chain);
  };

  const play = (record: FakeRequest, res: ServerResponse, response: FakeResponse) => {
    if ('hangMs' in response) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answerNormally(record, res);
      }, response.hangMs);
      timers.add(timer);
      return;
    }
    if ('mutate' in response) return answerNormally(record, res, response.mutate);
    if ('raw' in response) return send(record, res, response.status, response.raw);
    return sendJson(record, res, response.status, response.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = text;
    }
    const path = (req.url ?? '').split('?')[0];
    const endpoint: FakeRequest['endpoint'] = path === '/v2/optionchain' ? 'optionchain' : path === '/v2/optionchain/expirylist' ? 'expirylist' : 'other';
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const record: FakeRequest = {
      at,
      endpoint,
      path,
      accessToken: header('access-token'),
      clientId: header('client-id'),
      contentType: header('content-type'),
      accept: header('accept'),
      body,
      status: 0,
      responseText: null,
    };
    requests.push(record);

    if (req.method !== 'POST' || endpoint === 'other') return sendJson(record, res, 404, { errorType: 'Not_Found', errorCode: 'DH-905', errorMessage: `no route ${req.method} ${path}` });
    if (record.accessToken !== accessToken || record.clientId !== clientId) return sendJson(record, res, 401, DHAN_FAILURES.invalidAuthDH901.body);
    if (!record.contentType?.startsWith('application/json') || typeof body !== 'object') return sendJson(record, res, 400, DHAN_FAILURES.inputDH905.body);

    let tooSoon = false;
    if (endpoint === 'optionchain') {
      tooSoon = at - lastChainAt < minIntervalMs;
      lastChainAt = at;
    }
    const entry = scripts.find((s) => s.endpoint === 'any' || s.endpoint === endpoint);
    if (entry) {
      entry.remaining--;
      if (entry.remaining <= 0) scripts.splice(scripts.indexOf(entry), 1);
      return play(record, res, entry.response);
    }
    if (tooSoon) {
      const failure = options.rateLimitCode === '805' ? DHAN_FAILURES.tooManyRequests805 : DHAN_FAILURES.rateLimitDH904;
      return sendJson(record, res, failure.status, failure.body);
    }
    return answerNormally(record, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    underlyings,
    script(response, scriptOptions = {}) {
      scripts.push({ response, remaining: scriptOptions.times ?? 1, endpoint: scriptOptions.endpoint ?? 'optionchain' });
    },
    clearScript() {
      scripts.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The platform's configuration for the Dhan source pointed at `fake` (NIFTY only, quick polling, quiet), with `overrides`. */
export function fakeDhanConfig(fake: FakeDhan, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    SOURCE: 'dhan',
    DHAN_BASE_URL: fake.url,
    DHAN_ACCESS_TOKEN: 'test-access-token',
    DHAN_CLIENT_ID: '1100000001',
    DHAN_MIN_INTERVAL_MS: '25',
    SYMBOLS: 'NIFTY',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    ...overrides,
  });
}
