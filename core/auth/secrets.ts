/**
 * Opaque secrets handed to clients (refresh tokens, API keys): random,
 * URL-safe, stored only as their SHA-256. API keys carry a visible prefix
 * (`opk_` and 8 characters) that finds their row and is shown in listings.
 */
import { createHash, randomBytes } from 'node:crypto';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** A refresh token: 32 random bytes, base64url. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export const API_KEY_PREFIX = 'opk_';
/** Characters of the visible prefix, `opk_` included. */
export const API_KEY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** A new API key: `opk_` + 8 prefix characters + `_` + 32 random bytes. */
export function newApiKey(): { key: string; prefix: string } {
  const prefix = API_KEY_PREFIX + randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** The prefix of something that looks like an API key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return key.startsWith(API_KEY_PREFIX) && key.length > API_KEY_PREFIX_LENGTH + 10 && key[API_KEY_PREFIX_LENGTH] === '_' ? key.slice(0, API_KEY_PREFIX_LENGTH) : null;
}

export const API_KEY_SCOPES = ['read', 'stream', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
