/**
 * Sign-in: register or sign in with an e-mail and a password (the session is
 * kept in this tab, see auth.ts), who is signed in (`me`), sign-out, and the
 * account's API keys: list, create (the secret shown once), revoke. Signed
 * out, every other page keeps working anonymously.
 */
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateApiKeyMutation, LoginMutation, LogoutMutation, MeQuery, RegisterMutation, RevokeApiKeyMutation } from '../documents.ts';
import { setSession, useSession } from '../auth.ts';
import { istTime } from '../format.ts';
import type { ApiKeyScope } from '../gql/graphql.ts';

const SCOPES: { scope: ApiKeyScope; label: string }[] = [
  { scope: 'READ', label: 'Read (queries)' },
  { scope: 'STREAM', label: 'Stream (subscriptions)' },
  { scope: 'ADMIN', label: 'Admin (mutations)' },
];

function SignInForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [registered, register] = useMutation(RegisterMutation);
  const [loggedIn, login] = useMutation(LoginMutation);
  const [error, setError] = useState<string | null>(null);
  async function submit(kind: 'register' | 'login') {
    setError(null);
    const result = kind === 'register' ? await register({ email, password }) : await login({ email, password });
    const session = result.data ? ('register' in result.data ? result.data.register : result.data.login) : null;
    if (session) setSession(session);
    else setError(result.error?.message ?? 'Signing in failed');
  }
  const busy = registered.fetching || loggedIn.fetching;
  return (
    <form className="form" aria-label="Sign in" onSubmit={(e) => (e.preventDefault(), void submit('login'))}>
      <p>Signed out: every page works anonymously. Sign in for your API keys.</p>
      <label>
        E-mail <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Password (10–256 characters) <input type="password" autoComplete="current-password" required minLength={10} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <button type="button" disabled={busy || !email || password.length < 10} onClick={() => void submit('register')}>
        Register
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

function ApiKeys({ keys, refetch }: { keys: NonNullable<ReturnType<typeof useMe>['me']>['apiKeys']; refetch(): void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['READ', 'STREAM']);
  const [created, create] = useMutation(CreateApiKeyMutation);
  const [revoked, revoke] = useMutation(RevokeApiKeyMutation);
  const [secret, setSecret] = useState<string | null>(null);
  async function submit() {
    setSecret(null);
    const result = await create({ name, scopes });
    if (result.data) {
      setSecret(result.data.createApiKey.key);
      setName('');
      refetch();
    }
  }
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <form className="form" aria-label="Create an API key" onSubmit={(e) => (e.preventDefault(), void submit())}>
        <label>
          Name <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(({ scope, label }) => (
            <label key={scope}>
              <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))} /> {label}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={created.fetching || !name || scopes.length === 0}>
          Create key
        </button>
      </form>
      {created.error && <p className="error">{created.error.message}</p>}
      {revoked.error && <p className="error">{revoked.error.message}</p>}
      {secret && (
        <p className="new-key" role="status">
          Your new key, shown only this once (send it as <code>x-api-key</code>): <output aria-label="New API key">{secret}</output>
        </p>
      )}
      <div className="table-scroll">
        <table className="compact" aria-label="API keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Scopes</th>
              <th>Created (IST)</th>
              <th>Last used (IST)</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(', ')}</td>
                <td>{key.createdAt.slice(0, 10)} {istTime(key.createdAt)}</td>
                <td>{key.lastUsedAt ? istTime(key.lastUsedAt) : 'never'}</td>
                <td>
                  {key.revokedAt ? (
                    `revoked ${istTime(key.revokedAt)}`
                  ) : (
                    <button type="button" aria-label={`Revoke key ${key.name}`} disabled={revoked.fetching} onClick={() => void revoke({ id: key.id }).then(refetch)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {keys.length === 0 && <p>No keys yet.</p>}
    </section>
  );
}

function useMe() {
  const [{ data, error }, refetch] = useQuery({ query: MeQuery, requestPolicy: 'network-only' });
  return { me: data?.me ?? null, error, refetch: () => refetch({ requestPolicy: 'network-only' }) };
}

function SignedIn() {
  const session = useSession()!;
  const { me, error, refetch } = useMe();
  const [, logout] = useMutation(LogoutMutation);
  async function signOut() {
    await logout({ refreshToken: session.refreshToken });
    setSession(null);
  }
  return (
    <>
      <div className="form">
        <p role="status">
          Signed in as <strong data-testid="me-email">{me?.email ?? session.user.email}</strong>
          {me ? ` (${me.role.toLowerCase()}, since ${me.createdAt.slice(0, 10)})` : ''}
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
      {error && <p className="error">{error.message}</p>}
      {me && <ApiKeys keys={me.apiKeys} refetch={refetch} />}
    </>
  );
}

export function AccountPage() {
  const session = useSession();
  return (
    <section aria-labelledby="account-title">
      <div className="toolbar">
        <h1 id="account-title">{session ? 'Account' : 'Sign in'}</h1>
      </div>
      {session ? <SignedIn /> : <SignInForm />}
    </section>
  );
}
