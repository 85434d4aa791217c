import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, dummyHash, hashPassword, passwordProblem, scryptMemoryBytes, verifyPassword } from './password.ts';

describe('password hashing (scrypt)', () => {
  it('uses 32 MiB per hash with the default parameters N=2^15, r=8, p=1', () => {
    expect(Math.round(scryptMemoryBytes(DEFAULT_SCRYPT) / 1024 ** 2)).toBe(32);
  });

  it('verifies the right password and refuses a wrong one, a tampered hash and a malformed one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterz', stored)).toBe(false);
    expect(await verifyPassword('correct horse battery', stored.slice(0, -2) + 'AA')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$40$8$1$a$b')).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const parameters = { logN: 10, r: 8, p: 1 };
    expect(await hashPassword('same password', parameters)).not.toBe(await hashPassword('same password', parameters));
  });

  it('has a dummy hash for unknown accounts that no password matches by chance', async () => {
    expect(await verifyPassword('', await dummyHash())).toBe(false);
  });

  it('asks for 10 to 256 characters', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('long enough pass')).toBeNull();
  });
});
