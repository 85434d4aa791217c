import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { createPasswordUser, cutOffTokens, EmailTakenError, findPasswordIdentity, findUser, setUserRole, tokenCutoffMs, updateProfile, userForFirebase } from './users.ts';

describe('users and identities', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates a password account under the lower-cased e-mail and finds it by e-mail and id', async () => {
    const user = await createPasswordUser(database.db, ' Asha@Example.com ', 'scrypt$hash');
    expect(user).toMatchObject({ email: 'asha@example.com', role: 'free', displayName: null });
    expect(await findPasswordIdentity(database.db, 'ASHA@example.com')).toEqual({ user, passwordHash: 'scrypt$hash' });
    expect(await findUser(database.db, user.id)).toEqual(user);
    expect(await findPasswordIdentity(database.db, 'nobody@example.com')).toBeNull();
  });

  it('refuses a second account with the same e-mail with EmailTakenError', async () => {
    await createPasswordUser(database.db, 'twice@example.com', 'h');
    await expect(createPasswordUser(database.db, 'TWICE@example.com', 'h')).rejects.toBeInstanceOf(EmailTakenError);
  });

  it('links a Firebase uid to the account of its verified e-mail, and creates one for an unverified e-mail', async () => {
    const owner = await createPasswordUser(database.db, 'linked@example.com', 'h');
    expect((await userForFirebase(database.db, 'uid-1', 'linked@example.com', true, null)).id).toBe(owner.id);
    expect((await userForFirebase(database.db, 'uid-1', null, false, null)).id).toBe(owner.id);
    const stranger = await userForFirebase(database.db, 'uid-2', 'linked@example.com', false, 'Mallory');
    expect(stranger.id).not.toBe(owner.id);
    expect(stranger).toMatchObject({ email: null, displayName: 'Mallory' });
  });

  it('edits the profile and the role', async () => {
    const user = await createPasswordUser(database.db, 'edit@example.com', 'h');
    expect(await updateProfile(database.db, user.id, { displayName: 'Ravi' })).toMatchObject({ displayName: 'Ravi' });
    expect(await setUserRole(database.db, user.id, 'pro')).toMatchObject({ role: 'pro' });
    expect(await setUserRole(database.db, 'no-such-id', 'pro')).toBeNull();
  });

  it('cuts off access tokens at logoutEverywhere and at a role change, not at a role set to the same one', async () => {
    const user = await createPasswordUser(database.db, 'cutoff@example.com', 'h');
    expect(await tokenCutoffMs(database.db, user.id)).toBe(0);
    expect(await cutOffTokens(database.db, user.id, new Date(1_700_000_000_123))).toBe(true);
    expect(await tokenCutoffMs(database.db, user.id)).toBe(1_700_000_000_123);
    await setUserRole(database.db, user.id, 'free', new Date(1_800_000_000_000));
    expect(await tokenCutoffMs(database.db, user.id)).toBe(1_700_000_000_123);
    await setUserRole(database.db, user.id, 'pro', new Date(1_800_000_000_456));
    expect(await tokenCutoffMs(database.db, user.id)).toBe(1_800_000_000_456);
    expect(await cutOffTokens(database.db, 'no-such-id', new Date())).toBe(false);
    expect(await tokenCutoffMs(database.db, 'no-such-id')).toBe(Infinity);
  });
});
