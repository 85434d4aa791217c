import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { allowsFeature, allowsSymbol, defaultPlans, plansWithOverrides } from './plans.ts';

describe('plans', () => {
  const defaults = defaultPlans({ requestsPerWindow: 300, costPerWindow: 1_000_000, maxDepth: 8, maxSubscriptions: 20, maxConnections: 20 });

  it('defaults: anonymous and pro everything, free two symbols and a month, admin unlimited and twice as deep', () => {
    expect(allowsSymbol(defaults.anonymous, 'SENSEX')).toBe(true);
    expect(allowsSymbol(defaults.free, 'nifty')).toBe(true);
    expect(allowsSymbol(defaults.free, 'SENSEX')).toBe(false);
    expect(allowsFeature(defaults.free, 'participants')).toBe(false);
    expect(defaults.pro).toMatchObject({ requestsPerWindow: 3000, costPerWindow: 10_000_000 });
    expect(defaults.free.costPerWindow).toBe(1_000_000);
    expect(defaults.admin).toMatchObject({ requestsPerWindow: 0, costPerWindow: 0, maxDepth: 16, historyDays: null });
  });

  it('takes overrides for some roles, and names a bad field', () => {
    expect(plansWithOverrides(defaults, { free: { symbols: ['NIFTY'] } }).free.symbols).toEqual(['NIFTY']);
    expect(() => plansWithOverrides(defaults, { free: { historyDays: -1 } })).toThrow(/free\.historyDays/);
    expect(() => plansWithOverrides(defaults, { gold: {} })).toThrow();
  });

  it('reads AUTH_PLANS from the environment, naming it when it is not JSON or not a plan', () => {
    expect(loadConfig({ AUTH_PLANS: '{"free":{"requestsPerWindow":5}}' }).plans.free.requestsPerWindow).toBe(5);
    expect(() => loadConfig({ AUTH_PLANS: '{free' })).toThrow(/AUTH_PLANS: is not JSON/);
    expect(() => loadConfig({ AUTH_PLANS: '{"free":{"maxDepth":1}}' })).toThrow(/AUTH_PLANS: free\.maxDepth/);
    expect(loadConfig({ RATE_LIMIT_COST_MAX: '200000' }).plans.anonymous.costPerWindow).toBe(200_000);
    expect(() => loadConfig({ RATE_LIMIT_COST_MAX: '1000', MAX_COST: '50000' })).toThrow(/RATE_LIMIT_COST_MAX=1000 is below MAX_COST=50000/);
    expect(() => loadConfig({ AUTH_JWT_KEYS: '[{"kid":"a"}]' })).toThrow(/AUTH_JWT_KEYS: must be a JSON array of Ed25519 private JWKs/);
  });
});
