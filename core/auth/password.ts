/**
 * Password hashing with scrypt (node:crypto), a memory-hard function. The
 * stored form names its parameters, so they can be raised later without
 * invalidating older hashes:
 *
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>
 *
 * Defaults: N = 2^15, r = 8, p = 1, a 16-byte salt and a 32-byte hash. Memory
 * per hash is 128 · N · r bytes = 32 MiB; on this platform's machines one hash
 * takes about 50–100 ms. Verification compares in constant time, and a login
 * for an unknown e-mail verifies against DUMMY_HASH so it costs the same.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { logN: 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** The bytes one scrypt hash needs: 128 · N · r (plus p blocks; room is left for both). */
export function scryptMemoryBytes({ logN, r, p }: ScryptParameters): number {
  return 128 * 2 ** logN * r + 128 * r * p;
}

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** parameters.logN, r: parameters.r, p: parameters.p, maxmem: scryptMemoryBytes(parameters) * 2 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, HASH_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string, parameters: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, parameters);
  return ['scrypt', parameters.logN, parameters.r, parameters.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `password` matches the stored hash; false for a malformed one. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  const actual = await derive(password, Buffer.from(parts[4], 'base64url'), { logN, r, p });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** What an unknown e-mail's login verifies against, so it takes as long as a known one's (made once, lazily). */
let dummy: Promise<string> | undefined;
export function dummyHash(parameters: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  return (dummy ??= hashPassword(randomBytes(16).toString('hex'), parameters));
}

/** A password's problem, or null: 10–256 characters. */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return 'must be at least 10 characters';
  if (password.length > 256) return 'must be at most 256 characters';
  return null;
}
