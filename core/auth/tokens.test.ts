import { describe, expect, it } from 'vitest';
import { generateSigningJwk, TokenKeys } from './tokens.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
  it('signs with the first key and verifies with any key of the set: rotation logs nobody out', async () => {
    const [oldKey, newKey] = [await generateSigningJwk(), await generateSigningJwk()];
    const before = await TokenKeys.from([oldKey], 900);
    const { token } = await before.sign('user-1', 'free');
    const after = await TokenKeys.from([newKey, oldKey], 900);
    expect(await after.verify(token)).toMatchObject({ userId: 'user-1', role: 'free' });
    const fresh = await after.sign('user-1', 'pro');
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'EdDSA', kid: newKey.kid });
  });

  it('refuses alg none, an unknown kid, a tampered payload and an expired token, saying which', async () => {
    const keys = await TokenKeys.from([await generateSigningJwk()], 60);
    const { token } = await keys.sign('user-1', 'free');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    await expect(keys.verify(`${b64({ alg: 'none', kid: keys.signingKid })}.${payload}.`)).rejects.toMatchObject({ reason: 'invalid' });
    await expect(keys.verify(`${b64({ alg: 'EdDSA', kid: 'nope' })}.${payload}.${signature}`)).rejects.toThrow(/unknown key id "nope"/);
    await expect(keys.verify(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`)).rejects.toThrow(/signature/);
    await expect(keys.verify(token, Date.now() + 61_000)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses a key set with a public-only key or a repeated kid', async () => {
    const key = await generateSigningJwk();
    const { d: _d, ...publicOnly } = key;
    await expect(TokenKeys.from([publicOnly as typeof key], 60)).rejects.toThrow(/private JWK/);
    await expect(TokenKeys.from([key, key], 60)).rejects.toThrow(/appears twice/);
  });
});
