import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/fixtures.ts';
import { openTestDatabase } from '../test/database.ts';
import { defaultPlans } from '../core/auth/plans.ts';
import { generateSigningJwk } from '../core/auth/tokens.ts';
import { storePlan } from '../db/queries/plans.ts';
import { credentialsOf, loadTokenKeys, StoredPlanBook } from './installAuth.ts';

describe('the access-token key set', () => {
  it('is generated once into AUTH_JWT_KEYS_FILE (owner-only) on first start and read back on the next, so tokens survive a restart', async () => {
    const file = join(scratchDir('auth-keys'), 'nested', 'keys.json');
    const config = { AUTH_JWT_KEYS: undefined, AUTH_JWT_KEYS_FILE: file, AUTH_ACCESS_TOKEN_SECONDS: 900 };
    const first = await loadTokenKeys(config);
    const { token } = await first.sign('user-1', 'free');
    const second = await loadTokenKeys(config);
    expect(second.signingKid).toBe(first.signingKid);
    expect(await second.verify(token)).toMatchObject({ userId: 'user-1' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1);
  });

  it('comes from AUTH_JWT_KEYS when set: a new key first signs, the old one still verifies (rotation)', async () => {
    const [older, newer] = [await generateSigningJwk(), await generateSigningJwk()];
    const before = await loadTokenKeys({ AUTH_JWT_KEYS: JSON.stringify([older]), AUTH_JWT_KEYS_FILE: '/nonexistent', AUTH_ACCESS_TOKEN_SECONDS: 900 });
    const { token } = await before.sign('user-2', 'pro');
    const after = await loadTokenKeys({ AUTH_JWT_KEYS: JSON.stringify([newer, older]), AUTH_JWT_KEYS_FILE: '/nonexistent', AUTH_ACCESS_TOKEN_SECONDS: 900 });
    expect(after.signingKid).toBe(newer.kid);
    expect(await after.verify(token)).toMatchObject({ userId: 'user-2', role: 'pro' });
  });
});

describe('credentialsOf', () => {
  it('reads a bearer token, an API key from x-api-key, Authorization: ApiKey or connectionParams, and nothing', () => {
    expect(credentialsOf({ authorization: 'Bearer abc.def.ghi' })).toEqual({ kind: 'token', token: 'abc.def.ghi' });
    expect(credentialsOf({ authorization: 'ApiKey opk_x' })).toEqual({ kind: 'apiKey', key: 'opk_x' });
    expect(credentialsOf({ 'x-api-key': 'opk_y' })).toEqual({ kind: 'apiKey', key: 'opk_y' });
    expect(credentialsOf({ apiKey: 'opk_z' })).toEqual({ kind: 'apiKey', key: 'opk_z' });
    expect(credentialsOf({ Authorization: 'Bearer t' })).toEqual({ kind: 'token', token: 't' });
    expect(credentialsOf({})).toEqual({ kind: 'none' });
  });

  it('takes a malformed Authorization header as a bad token, never as anonymous', () => {
    expect(credentialsOf({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ kind: 'token', token: '' });
  });
});

describe('the stored plans', () => {
  it('take a field a plan was stored without (maxConnections, added later) from the configured plan, and ignore a stored plan that does not check', async () => {
    const database = await openTestDatabase();
    try {
      const configured = defaultPlans({ requestsPerWindow: 300, costPerWindow: 1_000_000, maxDepth: 8, maxSubscriptions: 20, maxConnections: 7 });
      const { maxConnections: _added, ...storedBefore } = { ...configured.pro, symbols: ['NIFTY'] };
      await storePlan(database.db, 'pro', storedBefore);
      await storePlan(database.db, 'free', { ...configured.free, maxDepth: 'deep' });
      const book = new StoredPlanBook(database.db, configured);
      await book.refresh();
      expect(book.plan('pro')).toEqual({ ...configured.pro, symbols: ['NIFTY'], maxConnections: 7 });
      expect(book.plan('free')).toEqual(configured.free);
    } finally {
      await database.close();
    }
  });
});
