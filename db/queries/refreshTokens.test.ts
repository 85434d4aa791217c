import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { createPasswordUser } from './users.ts';
import { revokeAllFamilies, revokeFamilyOf, rotateRefreshToken, startRefreshFamily } from './refreshTokens.ts';

const later = () => new Date(Date.now() + 86_400_000);

describe('refresh token families', () => {
  let database: DatabaseHandle;
  let userId: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    userId = (await createPasswordUser(database.db, 'refresh@example.com', 'h')).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('rotates a token once; spending it again is a reuse that revokes the family, its newer token included', async () => {
    await startRefreshFamily(database.db, userId, 'a1', later());
    expect(await rotateRefreshToken(database.db, 'a1', 'a2', later())).toMatchObject({ ok: true, user: { id: userId } });
    expect(await rotateRefreshToken(database.db, 'a1', 'a3', later())).toEqual({ ok: false, reason: 'reused' });
    expect(await rotateRefreshToken(database.db, 'a2', 'a4', later())).toEqual({ ok: false, reason: 'revoked' });
  });

  it('refuses an unknown and an expired token', async () => {
    expect(await rotateRefreshToken(database.db, 'nope', 'x', later())).toEqual({ ok: false, reason: 'unknown' });
    await startRefreshFamily(database.db, userId, 'old', new Date(Date.now() - 1000));
    expect(await rotateRefreshToken(database.db, 'old', 'x2', later())).toEqual({ ok: false, reason: 'expired' });
  });

  it('of two concurrent refreshes with one token, exactly one rotates', async () => {
    await startRefreshFamily(database.db, userId, 'c1', later());
    const results = await Promise.all([rotateRefreshToken(database.db, 'c1', 'c2', later()), rotateRefreshToken(database.db, 'c1', 'c3', later())]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('logout revokes one family, logoutEverywhere every live one', async () => {
    await startRefreshFamily(database.db, userId, 'l1', later());
    await startRefreshFamily(database.db, userId, 'm1', later());
    await startRefreshFamily(database.db, userId, 'n1', later());
    expect(await revokeFamilyOf(database.db, 'l1')).toBe(true);
    expect(await rotateRefreshToken(database.db, 'l1', 'l2', later())).toEqual({ ok: false, reason: 'revoked' });
    expect(await revokeAllFamilies(database.db, userId)).toBeGreaterThanOrEqual(2);
    expect(await rotateRefreshToken(database.db, 'm1', 'm2', later())).toEqual({ ok: false, reason: 'revoked' });
    expect(await rotateRefreshToken(database.db, 'n1', 'n2', later())).toEqual({ ok: false, reason: 'revoked' });
  });
});
