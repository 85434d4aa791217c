/**
 * Refresh tokens (tables refresh_families, refresh_tokens), stored by their
 * SHA-256. Each login starts a family; each refresh spends its token (sets
 * used_at) and issues the next one in the same family. Spending a token that
 * was already spent is a replay: the whole family is revoked, so neither the
 * thief nor the victim can go on with it.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { rowsOf } from './expireRaw.ts';
import type { Database } from '../client.ts';
import { refreshFamilies, refreshTokens } from '../schema.ts';
import { findUser, type UserRow } from './users.ts';

export type RevokeReason = 'logout' | 'logout-everywhere' | 'reuse';

/** A new family with its first token (by hash). */
export async function startRefreshFamily(db: Database, userId: string, tokenHash: string, expiresAt: Date): Promise<string> {
  const familyId = randomUUID();
  // One statement each time: the proxy to the embedded engine has no transactions.
  await db.execute(sql`
    with f as (insert into refresh_families (id, user_id) values (${familyId}, ${userId}) returning id)
    insert into refresh_tokens (token_hash, family_id, expires_at) select ${tokenHash}, id, ${expiresAt.toISOString()}::timestamptz from f`);
  return familyId;
}

export type Rotation = { ok: true; user: UserRow; familyId: string } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/**
 * Spends `tokenHash` and stores `nextHash` in its family in one statement: of
 * two concurrent refreshes with one token, one rotates and the other finds it
 * spent, a reuse.
 */
export async function rotateRefreshToken(db: Database, tokenHash: string, nextHash: string, nextExpiresAt: Date, now = new Date()): Promise<Rotation> {
  const [rotated] = rowsOf<{ familyId: string; userId: string }>(
    await db.execute(sql`
      with spent as (
        update refresh_tokens t set used_at = ${now.toISOString()}::timestamptz
        from refresh_families f
        where t.token_hash = ${tokenHash} and t.used_at is null and t.expires_at > ${now.toISOString()}::timestamptz
          and f.id = t.family_id and f.revoked_at is null
        returning t.family_id, f.user_id),
      next as (insert into refresh_tokens (token_hash, family_id, expires_at) select ${nextHash}, family_id, ${nextExpiresAt.toISOString()}::timestamptz from spent)
      select family_id as "familyId", user_id as "userId" from spent`),
  );
  if (rotated) {
    const user = await findUser(db, rotated.userId);
    return user ? { ok: true, user, familyId: rotated.familyId } : { ok: false, reason: 'unknown' };
  }
  const [row] = await db
    .select({ usedAt: refreshTokens.usedAt, expiresAt: refreshTokens.expiresAt, familyId: refreshTokens.familyId, revokedAt: refreshFamilies.revokedAt })
    .from(refreshTokens)
    .innerJoin(refreshFamilies, eq(refreshFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.usedAt) {
    await db.update(refreshFamilies).set({ revokedAt: now, revokedReason: 'reuse' }).where(and(eq(refreshFamilies.id, row.familyId), isNull(refreshFamilies.revokedAt)));
    return { ok: false, reason: 'reused' };
  }
  return { ok: false, reason: 'expired' };
}

/** Revokes the family of a token (logout); false when the token is unknown. */
export async function revokeFamilyOf(db: Database, tokenHash: string, reason: RevokeReason = 'logout'): Promise<boolean> {
  const [row] = await db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  if (!row) return false;
  await db.update(refreshFamilies).set({ revokedAt: new Date(), revokedReason: reason }).where(and(eq(refreshFamilies.id, row.familyId), isNull(refreshFamilies.revokedAt)));
  return true;
}

/** Revokes every family of a user (logoutEverywhere); how many were live. */
export async function revokeAllFamilies(db: Database, userId: string): Promise<number> {
  const revoked = await db
    .update(refreshFamilies)
    .set({ revokedAt: new Date(), revokedReason: 'logout-everywhere' })
    .where(and(eq(refreshFamilies.userId, userId), isNull(refreshFamilies.revokedAt)))
    .returning({ id: refreshFamilies.id });
  return revoked.length;
}
