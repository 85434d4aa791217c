import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { createPasswordUser } from './users.ts';
import { createApiKey, findApiKey, listApiKeys, revokeApiKey, touchApiKey } from './apiKeys.ts';

describe('API keys', () => {
  let database: DatabaseHandle;
  let owner: string;
  let other: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    owner = (await createPasswordUser(database.db, 'keys@example.com', 'h')).id;
    other = (await createPasswordUser(database.db, 'other-keys@example.com', 'h')).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates, lists, finds by prefix with the owner, and revokes only the owner’s key', async () => {
    const key = await createApiKey(database.db, { userId: owner, name: 'bot', prefix: 'opk_abcdefgh', keyHash: 'hash', scopes: ['read'] });
    expect(await listApiKeys(database.db, owner)).toEqual([key]);
    expect(await findApiKey(database.db, 'opk_abcdefgh')).toMatchObject({ key: { id: key.id, scopes: ['read'] }, user: { id: owner } });
    expect(await revokeApiKey(database.db, other, key.id)).toBeNull();
    expect((await revokeApiKey(database.db, owner, key.id))?.revokedAt).toBeInstanceOf(Date);
  });

  it('writes the last-used time at most once a minute', async () => {
    const key = await createApiKey(database.db, { userId: owner, name: 'touch', prefix: 'opk_touch123', keyHash: 'h', scopes: ['read'] });
    const first = new Date('2026-12-01T10:00:00Z');
    await touchApiKey(database.db, key.id, first);
    await touchApiKey(database.db, key.id, new Date(first.getTime() + 30_000));
    expect((await findApiKey(database.db, 'opk_touch123'))?.key.lastUsedAt).toEqual(first);
    await touchApiKey(database.db, key.id, new Date(first.getTime() + 90_000));
    expect((await findApiKey(database.db, 'opk_touch123'))?.key.lastUsedAt).toEqual(new Date(first.getTime() + 90_000));
  });
});
