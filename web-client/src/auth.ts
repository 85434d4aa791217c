/**
 * The signed-in session, if any: kept in memory and in sessionStorage (so a
 * reload of the tab keeps it, a new tab does not), read by the GraphQL client
 * for `Authorization: Bearer …` on HTTP and `connectionParams` on graphql-ws.
 * Without one the app is anonymous, as the embedded default serves it.
 */
import { useSyncExternalStore } from 'react';
import type { SessionFieldsFragment } from './gql/graphql.ts';

export type AuthSession = SessionFieldsFragment;

const KEY = 'auth-session';
let current: AuthSession | null = read();
const listeners = new Set<() => void>();

function read(): AuthSession | null {
  try {
    const stored = sessionStorage.getItem(KEY);
    const session = stored ? (JSON.parse(stored) as AuthSession) : null;
    // A session whose refresh token could no longer work is dropped rather than offered.
    return session && Date.parse(session.accessTokenExpiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function currentSession(): AuthSession | null {
  return current;
}

/** The access token to send, or null when anonymous. */
export function accessToken(): string | null {
  return current?.accessToken ?? null;
}

/** Keeps a new session (sign-in, register, refresh), or forgets it (null: sign-out). */
export function setSession(session: AuthSession | null): void {
  current = session;
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): AuthSession | null {
  return useSyncExternalStore(subscribe, currentSession);
}

/** Milliseconds from `nowMs` until the session should be refreshed: a minute before its access token expires, or at 80 % of what is left when under 5 minutes; at once when expired. */
export function refreshDelayMs(session: Pick<AuthSession, 'accessTokenExpiresAt'>, nowMs: number): number {
  const left = Date.parse(session.accessTokenExpiresAt) - nowMs;
  return Math.max(0, left >= 300_000 ? left - 60_000 : left * 0.8);
}
