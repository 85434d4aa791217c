import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { installRateLimits } from './installRateLimits.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const limited = (env: Record<string, string> = {}) => {
  const yoga = yogaWith([installRateLimits(loadConfig({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '30', ...env }))]);
  return async (address: string, query = '{ symbols { symbol } }', headers: Record<string, string> = {}) => {
    const response = await yoga.fetch('http://localhost/graphql', post({ query }), fromClient(address, headers));
    return { status: response.status, retryAfter: response.headers.get('retry-after'), json: (await response.json()) as any };
  };
};

describe('installRateLimits', () => {
  it('lets a client call a field RATE_LIMIT_MAX times per window, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const ask = limited();
    for (let i = 0; i < 3; i++) expect((await ask('192.0.2.1')).status).toBe(200);
    const refused = await ask('192.0.2.1');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('30');
    expect(refused.json.errors).toEqual([
      {
        message: 'Rate limit exceeded: at most 3 calls of symbols per 30 s per client; try again later',
        extensions: { code: 'RATE_LIMITED', reason: 'calls', limit: 3, windowSeconds: 30, retryAfterSeconds: 30 },
      },
    ]);
    expect((await ask('192.0.2.2')).status).toBe(200);
  });

  it('counts every alias as a call', async () => {
    const ask = limited();
    expect((await ask('192.0.2.1', '{ a: symbols { symbol } b: symbols { symbol } }')).status).toBe(200);
    expect((await ask('192.0.2.1', '{ a: symbols { symbol } b: symbols { symbol } }')).status).toBe(429);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so changing it does not reset the count', async () => {
    const ask = limited();
    for (let i = 0; i < 3; i++) await ask('192.0.2.1', undefined, { 'x-forwarded-for': `10.0.0.${i}` });
    expect((await ask('192.0.2.1', undefined, { 'x-forwarded-for': '10.0.0.99' })).status).toBe(429);
  });

  it('behind a trusted proxy counts the client the proxy saw', async () => {
    const ask = limited({ TRUST_PROXY: '1' });
    for (let i = 0; i < 3; i++) await ask('10.0.0.1', undefined, { 'x-forwarded-for': `6.6.6.${i}, 203.0.113.5` });
    expect((await ask('10.0.0.1', undefined, { 'x-forwarded-for': '203.0.113.5' })).status).toBe(429);
    expect((await ask('10.0.0.1', undefined, { 'x-forwarded-for': '203.0.113.6' })).status).toBe(200);
  });

  it('installs nothing with RATE_LIMIT_MAX=0', () => {
    expect(installRateLimits(loadConfig({ RATE_LIMIT_MAX: '0' }))).toEqual({});
  });
});

describe('installRateLimits on mutations', () => {
  it('counts mutations per client as it counts queries', async () => {
    const ask = limited({ RATE_LIMIT_MAX: '2' });
    const mutation = 'mutation { logout(refreshToken: "x") }';
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ask('192.0.2.9', mutation)).status);
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(statuses[2]).toBe(429);
  });
});

describe('installRateLimits: the cost budget', () => {
  // { symbols { symbol } } costs 11 (a list of 10 × 1, plus the field); { symbols { symbol exchange } } costs 21.
  const budgeted = () => limited({ RATE_LIMIT_MAX: '1000', MAX_COST: '100', RATE_LIMIT_COST_MAX: '100' });

  it('lets a client spend RATE_LIMIT_COST_MAX points per window, then refuses the operation that would overspend: 429 RATE_LIMITED reason cost, with its cost, the points left and Retry-After', async () => {
    const ask = budgeted();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask('192.0.2.1', '{ symbols { symbol exchange } }')).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await ask('192.0.2.1', '{ symbols { symbol exchange } }');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(29);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(30);
    expect(refused.json.errors).toEqual([
      {
        message: `Rate limit exceeded: this operation costs 21 points and 16 of the cost budget of 100 points per 30 s per client are left; try again in ${refused.retryAfter} s`,
        extensions: { code: 'RATE_LIMITED', reason: 'cost', cost: 21, remaining: 16, limit: 100, windowSeconds: 30, retryAfterSeconds: Number(refused.retryAfter) },
      },
    ]);
    // The refused one was not spent: a cheaper operation still fits; another client has its own budget.
    expect((await ask('192.0.2.1', '{ symbols { symbol } }')).status).toBe(200);
    expect((await ask('192.0.2.1', '{ symbols { symbol } }')).status).toBe(429);
    expect((await ask('192.0.2.2', '{ symbols { symbol exchange } }')).status).toBe(200);
  });

  it('spends nothing with RATE_LIMIT_COST_MAX=0', async () => {
    const ask = limited({ RATE_LIMIT_MAX: '1000', RATE_LIMIT_COST_MAX: '0' });
    for (let i = 0; i < 20; i++) expect((await ask('192.0.2.1', '{ symbols { symbol exchange } }')).status).toBe(200);
  });
});
