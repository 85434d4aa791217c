/**
 * Accounts and their sign-in identities (tables users, user_identities):
 * create one with a password or a Firebase identity, find one by e-mail, id
 * or Firebase uid, edit its profile and role, cut off its access tokens.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { userIdentities, users } from '../schema.ts';

export interface UserRow {
  id: string;
  email: string | null;
  displayName: string | null;
  role: string;
  createdAt: Date;
  /** Access tokens issued before this are refused; null: none cut off. */
  tokensValidAfter: Date | null;
}

export class EmailTakenError extends Error {
  constructor(readonly email: string) {
    super(`an account with e-mail ${email} exists`);
    this.name = 'EmailTakenError';
  }
}

const UNIQUE_VIOLATION = '23505';
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
    // The embedded engine's proxy passes the message only.
    if (/duplicate key value violates unique constraint/.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}

/** A new account with a password identity; EmailTakenError when the e-mail is in use. */
export async function createPasswordUser(db: Database, email: string, passwordHash: string, role = 'free'): Promise<UserRow> {
  const normalized = email.trim().toLowerCase();
  try {
    // One statement: the proxy to the embedded engine has no transactions.
    const id = randomUUID();
    await db.execute(sql`
      with u as (insert into users (id, email, role) values (${id}, ${normalized}, ${role}) returning id)
      insert into user_identities (provider, subject, user_id, password_hash) select 'password', ${normalized}, id, ${passwordHash} from u`);
    return (await findUser(db, id))!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError(normalized);
    throw error;
  }
}

/** The password identity of an e-mail, with its user, or null. */
export async function findPasswordIdentity(db: Database, email: string): Promise<{ user: UserRow; passwordHash: string } | null> {
  const [row] = await db
    .select({ user: users, passwordHash: userIdentities.passwordHash })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.provider, 'password'), eq(userIdentities.subject, email.trim().toLowerCase())));
  return row && row.passwordHash ? { user: row.user, passwordHash: row.passwordHash } : null;
}

export async function findUser(db: Database, id: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

/**
 * The account of a Firebase uid: the one linked to it, else the account with
 * the same verified e-mail (linked now), else a new one. Two first sign-ins
 * of one uid at once both end on the account linked first (the other's new
 * row stays unused).
 */
export async function userForFirebase(db: Database, uid: string, email: string | null, emailVerified: boolean, displayName: string | null): Promise<UserRow> {
  const linked = () =>
    db
      .select({ user: users })
      .from(userIdentities)
      .innerJoin(users, eq(users.id, userIdentities.userId))
      .where(and(eq(userIdentities.provider, 'firebase'), eq(userIdentities.subject, uid)));
  const [existing] = await linked();
  if (existing) return existing.user;
  const normalized = email?.trim().toLowerCase() ?? null;
  let [user] = normalized && emailVerified ? await db.select().from(users).where(eq(users.email, normalized)) : [];
  // An unverified e-mail is not trusted to link, nor kept where it could block its real owner.
  user ??= (await db.insert(users).values({ id: randomUUID(), email: emailVerified ? normalized : null, displayName }).returning())[0];
  await db.insert(userIdentities).values({ provider: 'firebase', subject: uid, userId: user.id }).onConflictDoNothing();
  return (await linked())[0].user;
}

export async function updateProfile(db: Database, id: string, profile: { displayName?: string | null }): Promise<UserRow | null> {
  const [row] = await db.update(users).set({ displayName: profile.displayName ?? null }).where(eq(users.id, id)).returning();
  return row ?? null;
}

/** Gives a user a role; a change cuts off the access tokens issued before `at` (they carry the old role). */
export async function setUserRole(db: Database, id: string, role: string, at = new Date()): Promise<UserRow | null> {
  const [row] = await db
    .update(users)
    .set({ role, tokensValidAfter: sql`case when ${users.role} is distinct from ${role} then ${at.toISOString()}::timestamptz else ${users.tokensValidAfter} end` })
    .where(eq(users.id, id))
    .returning();
  return row ?? null;
}

/** Refuses the user's access tokens issued before `at` (logoutEverywhere); false when there is no such user. */
export async function cutOffTokens(db: Database, id: string, at: Date): Promise<boolean> {
  const rows = await db.update(users).set({ tokensValidAfter: at }).where(eq(users.id, id)).returning({ id: users.id });
  return rows.length > 0;
}

/** The instant before which the user's access tokens are refused, epoch ms: 0 when none are cut off, Infinity when the user does not exist. */
export async function tokenCutoffMs(db: Database, id: string): Promise<number> {
  const [row] = await db.select({ tokensValidAfter: users.tokensValidAfter }).from(users).where(eq(users.id, id));
  if (!row) return Infinity;
  return row.tokensValidAfter?.getTime() ?? 0;
}
