/** Trades the refresh token for a new session a minute before the access token expires (refreshSession); a refused refresh signs out. */
import { useEffect } from 'react';
import { useClient } from 'urql';
import { RefreshSessionMutation } from '../documents.ts';
import { refreshDelayMs, setSession, useSession } from '../auth.ts';

export function SessionKeeper() {
  const client = useClient();
  const session = useSession();
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(async () => {
      const result = await client.mutation(RefreshSessionMutation, { refreshToken: session.refreshToken }).toPromise();
      setSession(result.data?.refreshSession ?? null);
    }, refreshDelayMs(session, Date.now()));
    return () => clearTimeout(timer);
  }, [client, session]);
  return null;
}
