/**
 * The real server under attack: main.ts in a child process (the embedded
 * default, or PostgreSQL when DATABASE_URL is set) with a busy simulator,
 * attacked over HTTP, SSE and WebSocket from this process. For every case:
 * the right refusal (status, `extensions.code`), the process stays up,
 * /healthz answers throughout within HEALTH_BOUND_MS, the pipeline keeps
 * storing snapshots, and the peak RSS of the child (VmHWM, reset before each
 * case) grows by less than PEAK_GROWTH_BOUND_MB. The table of peak RSS per
 * case is printed at the end.
 *
 * The server trusts one proxy (TRUST_PROXY=1): each case speaks as its own
 * client through X-Forwarded-For, as a proxy in front would, so one case's
 * rate limit or connection budget never spills into the next.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { snapshotsWritten, startRealServer, type RealServer } from './realServer.ts';

const HEALTH_BOUND_MS = 2_000;
const PEAK_GROWTH_BOUND_MB = 200;
const PEAK_BOUND_MB = 2_048;
/** Every case watches the server at least this long, so the pipeline has time to show it keeps going. */
const MIN_CASE_MS = 1_500;

const LIMITS = {
  MAX_REQUEST_BYTES: 102_400,
  MAX_TOKENS: 2_000,
  MAX_DEPTH: 8,
  MAX_ALIASES: 15,
  MAX_DIRECTIVES: 50,
  MAX_COST: 50_000,
  RATE_LIMIT_MAX: 60,
  DB_MAX_CONCURRENT_QUERIES: 2,
  DB_MAX_QUEUED_QUERIES: 8,
  SUBSCRIPTION_MAX_CONNECTIONS: 24,
  SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: 4,
  SUBSCRIPTION_MAX_PER_CONNECTION: 5,
  SUBSCRIPTION_INIT_TIMEOUT_MS: 1_000,
};

let server: RealServer;
let expiry: string;
const rows: { case: string; refusal: string; rssBeforeMb: number; peakMb: number; healthMaxMs: number; snapshotsStored: number; seconds: number }[] = [];

beforeAll(async () => {
  server = await startRealServer({
    LOG_LEVEL: 'warn',
    SYMBOLS: 'NIFTY,BANKNIFTY',
    SIM_TICK_MS: '100',
    TRUST_PROXY: '1',
    RATE_LIMIT_WINDOW_SECONDS: '60',
    QUERY_TIMEOUT_MS: '5000',
    CORS_ORIGINS: 'https://app.example',
    ...Object.fromEntries(Object.entries(LIMITS).map(([name, value]) => [name, String(value)])),
  });
  const { json } = await graphql('setup', { query: '{ expiries(symbol: "NIFTY") }' });
  expiry = json.data.expiries[0];
}, 90_000);

afterAll(async () => {
  if (rows.length) {
    console.log(`peak RSS of the server per attack (bounds: +${PEAK_GROWTH_BOUND_MB} MB, ${PEAK_BOUND_MB} MB; /healthz < ${HEALTH_BOUND_MS} ms)`);
    console.table(rows);
  }
  await server?.stop();
}, 30_000);

// --- clients --------------------------------------------------------------------

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any;
}

/** A GraphQL POST as client `client` (its X-Forwarded-For). */
async function graphql(client: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), json: text ? JSON.parse(text) : null };
}

/**
 * A POST of `size` bytes of JSON-ish filler through node:http, written in
 * 64 kB chunks (never held whole here), with a Content-Length or chunked.
 */
function postBytes(client: string, size: number, { chunked = false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-forwarded-for': client };
    if (!chunked) headers['content-length'] = size;
    const request = http.request(`${server.origin}/graphql`, { method: 'POST', headers });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, json: JSON.parse(text) }));
    });
    request.on('error', (error) => !answered && reject(error));
    const chunk = Buffer.alloc(64 * 1024, ' ');
    chunk.write('{"query":"');
    let sent = 0;
    const write = () => {
      while (sent < size && !answered) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += piece.length;
        if (!request.write(piece)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}

function errorCodes(reply: Reply): string[] {
  return (reply.json?.errors ?? []).map((error: any) => error.extensions?.code);
}

class HeaderedWebSocket extends WebSocket {
  static headers: Record<string, string> = {};
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { headers: HeaderedWebSocket.headers });
  }
}

/** A raw graphql-ws socket as `client`; resolves once open, or with the refused upgrade's status. */
function openSocket(client: string, { init = true, origin }: { init?: boolean; origin?: string } = {}): Promise<{ socket?: WebSocket; refusedWith?: number; closed: Promise<number> }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'x-forwarded-for': client };
    if (origin) headers.origin = origin;
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/graphql`, 'graphql-transport-ws', { headers });
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refusedWith: response.statusCode, closed });
      socket.terminate();
    });
    socket.once('error', () => {});
    socket.once('open', () => {
      if (init) socket.send(JSON.stringify({ type: 'connection_init' }));
      resolve({ socket, closed });
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- the watch around each case ------------------------------------------------------

/** Polls /healthz every 100 ms and /readyz every 500 ms until stopped. */
function watch() {
  let running = true;
  let maxMs = 0;
  let polls = 0;
  const failures: string[] = [];
  let latestWritten = 0;
  const health = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${server.origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await response.text();
        if (response.status !== 200) failures.push(`status ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      maxMs = Math.max(maxMs, performance.now() - started);
      polls++;
      await sleep(100);
    }
  })();
  const ready = (async () => {
    while (running) {
      latestWritten = Math.max(latestWritten, await snapshotsWritten(server.origin).catch(() => latestWritten));
      await sleep(500);
    }
  })();
  return async () => {
    running = false;
    await Promise.all([health, ready]);
    return { maxMs, polls, failures, latestWritten };
  };
}

/** Runs an attack while watching the server, then checks it survived unharmed and records its figures. */
async function underAttack(name: string, refusal: string, attack: () => Promise<void>): Promise<void> {
  const writtenBefore = await snapshotsWritten(server.origin);
  const { rssMb: rssBeforeMb } = server.memory();
  server.resetPeak();
  const stop = watch();
  const started = Date.now();
  try {
    await attack();
    await sleep(MIN_CASE_MS - (Date.now() - started));
  } catch (error) {
    await stop();
    throw error;
  }
  {
    const seen = await stop();
    const { peakMb } = server.memory();
    rows.push({
      case: name,
      refusal,
      rssBeforeMb: Math.round(rssBeforeMb),
      peakMb: Math.round(peakMb),
      healthMaxMs: Math.round(seen.maxMs),
      snapshotsStored: seen.latestWritten - writtenBefore,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    expect(server.process.running(), `the server exited:\n${server.output()}`).toBe(true);
    expect(seen.failures, 'every /healthz poll answered 200').toEqual([]);
    expect(seen.polls).toBeGreaterThan(3);
    expect(seen.maxMs, '/healthz latency').toBeLessThan(HEALTH_BOUND_MS);
    expect(seen.latestWritten, 'the pipeline kept storing snapshots').toBeGreaterThan(writtenBefore);
    expect(peakMb - rssBeforeMb, 'peak RSS growth, MB').toBeLessThan(PEAK_GROWTH_BOUND_MB);
    expect(peakMb, 'peak RSS, MB').toBeLessThan(PEAK_BOUND_MB);
  }
}

// --- the attacks ---------------------------------------------------------------------

describe('the real server under attack', () => {
  it('refuses eight concurrent 4.8 MB queries with 413 before reading them', async () => {
    await underAttack('8 × 4.8 MB queries', '413 PAYLOAD_TOO_LARGE', async () => {
      const replies = await Promise.all(Array.from({ length: 8 }, () => postBytes('198.51.100.1', 4_800_000)));
      for (const reply of replies) {
        expect(reply.status).toBe(413);
        expect(reply.json.errors[0].message).toBe(`Request body of 4800000 bytes exceeds the limit of ${LIMITS.MAX_REQUEST_BYTES} bytes`);
        expect(errorCodes(reply)).toEqual(['PAYLOAD_TOO_LARGE']);
      }
    });
  });

  it('refuses a 50 MB body with 413, declared or streamed without a length', async () => {
    await underAttack('50 MB body (declared, chunked)', '413 PAYLOAD_TOO_LARGE', async () => {
      const [declared, streamed] = await Promise.all([postBytes('198.51.100.2', 50_000_000), postBytes('198.51.100.2', 50_000_000, { chunked: true })]);
      expect(declared.status).toBe(413);
      expect(streamed.status).toBe(413);
      expect(errorCodes(streamed)).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(streamed.json.errors[0].message).toMatch(/more than 102400 bytes exceeds the limit/);
    });
  });

  it('refuses 1,000 aliases of optionChain (too many tokens) and 16 aliases (too many aliases), each in a few hundred bytes', async () => {
    await underAttack('1,000 aliases of optionChain', 'MAX_TOKENS / MAX_ALIASES', async () => {
      const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: optionChain(symbol: "NIFTY", expiry: "${expiry}") { rows { strike } }`).join(' ')} }`;
      const thousand = await graphql('198.51.100.3', { query: aliased(1000) });
      expect(errorCodes(thousand)).toEqual(['MAX_TOKENS_EXCEEDED']);
      expect(JSON.stringify(thousand.json).length).toBeLessThan(500);
      const sixteen = await graphql('198.51.100.3', { query: aliased(16) }, { accept: 'application/graphql-response+json' });
      expect(sixteen.status).toBe(400);
      expect(errorCodes(sixteen)).toContain('MAX_ALIASES_EXCEEDED');
      expect(sixteen.json.errors[0].message).toBe(`Aliases limit of ${LIMITS.MAX_ALIASES} exceeded, found 16.`);
    });
  });

  it('refuses deep nesting by depth, and 5,000 levels by tokens, without overflowing a stack', async () => {
    await underAttack('deep nesting', 'MAX_DEPTH / MAX_TOKENS', async () => {
      const nested = (levels: number) => `{ symbols ${'{ symbol '.repeat(levels)}${'}'.repeat(levels)} }`;
      const deep = await graphql('198.51.100.4', { query: nested(12) });
      expect(errorCodes(deep)).toContain('MAX_DEPTH_EXCEEDED');
      expect(deep.json.errors.find((e: any) => e.extensions.code === 'MAX_DEPTH_EXCEEDED').message).toBe(`Query depth limit of ${LIMITS.MAX_DEPTH} exceeded, found 13.`);
      const deeper = await graphql('198.51.100.4', { query: nested(5000) });
      expect(errorCodes(deeper)).toEqual(['MAX_TOKENS_EXCEEDED']);
    });
  });

  it('refuses many directives', async () => {
    await underAttack('many directives', 'MAX_DIRECTIVES', async () => {
      const reply = await graphql('198.51.100.5', { query: `{ symbols { symbol ${'@skip(if: false) '.repeat(60)} } }` });
      expect(errorCodes(reply)).toContain('MAX_DIRECTIVES_EXCEEDED');
      expect(reply.json.data).toBeUndefined();
    });
  });

  it('refuses huge token counts, twenty at once', async () => {
    await underAttack('huge token counts (20 × 95 kB)', 'MAX_TOKENS', async () => {
      const query = `{ ${'symbols { symbol } '.repeat(4_700)} }`;
      const replies = await Promise.all(Array.from({ length: 20 }, () => graphql('198.51.100.6', { query })));
      for (const reply of replies) {
        expect(errorCodes(reply)).toEqual(['MAX_TOKENS_EXCEEDED']);
        expect(reply.json.errors[0].message).toBe(`Token limit of ${LIMITS.MAX_TOKENS} exceeded.`);
      }
    });
  });

  it('refuses expensive rows and history ranges by cost, naming the cost and the limit, and serves what fits', async () => {
    await underAttack('expensive rows and chainHistory', 'MAX_COST', async () => {
      const side = 'ltp bid ask bidQty askQty volume oi oiChange iv delta gamma theta vega rho vanna charm vomma theoreticalPrice sourceIv sourceDelta quality';
      const chain = (alias: string) => `${alias}: optionChain(symbol: "NIFTY", expiry: "${expiry}") { spot rows { strike call { ${side} } put { ${side} } } }`;
      const one = await graphql('198.51.100.7', { query: `{ ${chain('a')} }` });
      expect(one.json.errors).toBeUndefined();
      expect(one.json.data.a.rows.length).toBeGreaterThan(10);
      const three = await graphql('198.51.100.7', { query: `{ ${chain('a')} ${chain('b')} ${chain('c')} }` });
      expect(errorCodes(three)).toEqual(['MAX_COST_EXCEEDED']);
      expect(three.json.errors[0].message).toMatch(/^Query cost (\d+) exceeds the limit of 50000/);
      expect(three.json.errors[0].extensions).toMatchObject({ limit: LIMITS.MAX_COST });
      expect(three.json.errors[0].extensions.cost).toBeGreaterThan(LIMITS.MAX_COST);

      // One document, costed with the variables of each request (no cached verdict).
      const history = `query History($from: DateTime!, $to: DateTime!) {
        h1: chainHistory(symbol: "NIFTY", expiry: "${expiry}", from: $from, to: $to, interval: ONE_MINUTE) { bucket pcrOi maxPain atmIv spot totalOi }
        h2: chainHistory(symbol: "NIFTY", expiry: "${expiry}", from: $from, to: $to, interval: ONE_MINUTE) { bucket pcrOi maxPain atmIv spot totalOi }
      }`;
      const now = Date.now();
      const hourBack = { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString() };
      const daysBack = { from: new Date(now - 4_900 * 60_000).toISOString(), to: new Date(now).toISOString() };
      const short = await graphql('198.51.100.7', { query: history, variables: hourBack });
      expect(short.json.errors).toBeUndefined();
      const long = await graphql('198.51.100.7', { query: history, variables: daysBack });
      expect(errorCodes(long)).toEqual(['MAX_COST_EXCEEDED']);
    });
  });

  it('rate-limits a flood from one client, spoofed X-Forwarded-For entries included, and still serves another', async () => {
    await underAttack('rate-limit flood (2 × 100 calls)', '429 RATE_LIMITED', async () => {
      const flood = async (client: (i: number) => string) => {
        const replies: Reply[] = [];
        for (let batch = 0; batch < 10; batch++) {
          replies.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => graphql(client(batch * 10 + i), { query: '{ symbols { symbol } }' })))));
        }
        return replies;
      };
      const plain = await flood(() => '203.0.113.8');
      // The client writes its own entries; the trusted proxy appends the address it saw.
      const spoofed = await flood((i) => `10.66.${i}.1, 203.0.113.9`);
      for (const replies of [plain, spoofed]) {
        const limited = replies.filter((reply) => reply.status === 429);
        expect(replies.filter((reply) => reply.status === 200 && reply.json.data)).toHaveLength(LIMITS.RATE_LIMIT_MAX);
        expect(limited).toHaveLength(100 - LIMITS.RATE_LIMIT_MAX);
        expect(errorCodes(limited[0])).toEqual(['RATE_LIMITED']);
        expect(limited[0].headers['retry-after']).toBe('60');
        expect(limited[0].json.errors[0].message).toBe(`Rate limit exceeded: at most ${LIMITS.RATE_LIMIT_MAX} calls of symbols per 60 s per client; try again later`);
      }
      expect((await graphql('203.0.113.10', { query: '{ symbols { symbol } }' })).status).toBe(200);
    });
  });

  it('refuses database reads beyond the concurrency limit and its queue with SERVER_BUSY, and recovers', async () => {
    await underAttack('database flood (20 × 15 reads)', 'SERVER_BUSY', async () => {
      // `at` bypasses the latest-chain cache: every alias is a database read.
      const reads = (at: string) => `{ ${Array.from({ length: 15 }, (_, i) => `r${i}: optionChain(symbol: "NIFTY", expiry: "${expiry}", at: "${at}") { spot }`).join(' ')} }`;
      const at = new Date().toISOString();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => graphql(`192.0.2.${i + 1}`, { query: reads(at) })));
      const codes = replies.flatMap(errorCodes);
      // Each request asks 15 reads at once and at most 2 + 8 fit: at least 5 of each are refused.
      expect(codes.length).toBeGreaterThanOrEqual(5 * 20);
      expect(new Set(codes)).toEqual(new Set(['SERVER_BUSY']));
      const busy = replies.flatMap((reply) => reply.json.errors ?? [])[0];
      expect(busy.message).toBe(`The server is busy: ${LIMITS.DB_MAX_CONCURRENT_QUERIES} database reads are running and ${LIMITS.DB_MAX_QUEUED_QUERIES} waiting; try again shortly`);
      // Within one request, 2 run, 8 wait and the other 5 are refused, and the rest are answered.
      const single = await graphql('192.0.2.100', { query: reads(at) });
      expect(errorCodes(single)).toEqual(Array(5).fill('SERVER_BUSY'));
      expect(Object.values(single.json.data).filter(Boolean)).toHaveLength(10);
    });
  });

  it('bounds WebSockets: operations per connection, message size, connection_init wait, connections per client and in total, and origins', async () => {
    await underAttack('WebSocket flood', '4408, 1009, 429, 503, TOO_MANY_SUBSCRIPTIONS, 403', async () => {
      // Eight subscriptions on one connection: five run, three are refused.
      HeaderedWebSocket.headers = { 'x-forwarded-for': '198.51.100.20' };
      const client = createClient({ url: `ws://127.0.0.1:${server.port}/graphql`, webSocketImpl: HeaderedWebSocket, retryAttempts: 0, lazy: true });
      const events: unknown[] = [];
      const refused: any[] = [];
      const unsubscribes = Array.from({ length: 8 }, () =>
        client.subscribe(
          { query: `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { spot } }` },
          { next: (event) => void events.push(event), error: (error) => void refused.push(error), complete: () => {} },
        ),
      );
      for (let waited = 0; (refused.length < 3 || events.length === 0) && waited < 5_000; waited += 50) await sleep(50);
      expect(refused).toHaveLength(8 - LIMITS.SUBSCRIPTION_MAX_PER_CONNECTION);
      expect(refused[0][0].extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
      expect(events.length).toBeGreaterThan(0);
      unsubscribes.forEach((unsubscribe) => unsubscribe());
      await client.dispose();

      // A message over the limit closes its socket with 1009.
      const big = await openSocket('198.51.100.21');
      big.socket!.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ ${'symbols { symbol } '.repeat(6_000)} }` } }));
      expect(await big.closed).toBe(1009);

      // Sockets that never send connection_init hold the client's places until they are closed with 4408.
      const silent = await Promise.all(Array.from({ length: LIMITS.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT }, () => openSocket('198.51.100.22', { init: false })));
      expect(silent.every((s) => s.socket)).toBe(true);
      expect((await openSocket('198.51.100.22')).refusedWith).toBe(429);
      expect(await Promise.all(silent.map((s) => s.closed))).toEqual(Array(silent.length).fill(4408));

      // The total: places run out for everyone, whatever the client.
      const crowd = await Promise.all(
        Array.from({ length: LIMITS.SUBSCRIPTION_MAX_CONNECTIONS + 2 }, (_, i) => openSocket(`198.51.101.${Math.floor(i / LIMITS.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT)}`)),
      );
      expect(crowd.filter((s) => s.socket)).toHaveLength(LIMITS.SUBSCRIPTION_MAX_CONNECTIONS);
      expect(crowd.filter((s) => s.refusedWith === 503)).toHaveLength(2);
      for (const { socket } of crowd) socket?.close();
      await Promise.all(crowd.map((s) => s.closed));

      // Another web page's origin may not open a WebSocket; the API's own page and listed origins may.
      expect((await openSocket('198.51.100.23', { origin: 'http://evil.example' })).refusedWith).toBe(403);
      const own = await openSocket('198.51.100.23', { origin: `http://127.0.0.1:${server.port}` });
      const listed = await openSocket('198.51.100.23', { origin: 'https://app.example' });
      expect(own.socket && listed.socket).toBeTruthy();
      own.socket!.close();
      listed.socket!.close();
    });
  });

  it('counts subscriptions over SSE against the same connection budget', async () => {
    await underAttack('SSE subscription flood', 'TOO_MANY_CONNECTIONS', async () => {
      const abort = new AbortController();
      const open = async () => {
        const response = await fetch(`${server.origin}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-forwarded-for': '198.51.100.30' },
          body: JSON.stringify({ query: `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { spot } }` }),
          signal: abort.signal,
        });
        // The first event (after Yoga's keep-alive comments).
        const reader = response.body!.getReader();
        let text = '';
        while (!/^data:/m.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return text;
      };
      const streams = await Promise.all(Array.from({ length: LIMITS.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT }, open));
      for (const first of streams) expect(first).toMatch(/"spot"/);
      const refused = await open();
      expect(refused).toMatch(/TOO_MANY_CONNECTIONS/);
      expect(refused).toMatch(/Too many subscription connections from this client: at most 4/);
      abort.abort();
    });
  });

  it('gives an evil origin no CORS access, and a listed one access without credentials', async () => {
    await underAttack('evil CORS origin', 'no Access-Control-* headers', async () => {
      const evil = await graphql('198.51.100.40', { query: '{ symbols { symbol } }' }, { origin: 'http://evil.example' });
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      expect(evil.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await fetch(`${server.origin}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const listed = await graphql('198.51.100.40', { query: '{ symbols { symbol } }' }, { origin: 'https://app.example' });
      expect(listed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(listed.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });
});
