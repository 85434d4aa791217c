/**
 * Accounts: registration and sign-in (password or Firebase), sessions (an
 * access JWT and a rotating refresh token), the caller's profile,
 * preferences, watchlists and API keys, and the admins' plan editing.
 * Authorization by scope-auth (`user`, `admin`; see builder.ts); every owned
 * object is read and written through its owner's id, so another user's id
 * reads as absent. What a plan allows of the market data is checked per
 * operation in schema/access.ts.
 */
import { GraphQLError } from 'graphql';
import { builder, type Context } from './builder.ts';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from '../core/auth/password.ts';
import { API_KEY_SCOPES, newApiKey, newRefreshToken, sha256, type ApiKeyScope } from '../core/auth/secrets.ts';
import { FEATURES, ROLES, isRole, planSchema, type Plan, type Role } from '../core/auth/plans.ts';
import { MAX_WATCHLISTS_PER_USER, preferencesSchema, problemsOf, watchlistItemsSchema, type Preferences, type WatchlistItem } from '../core/auth/preferences.ts';
import type { AuthServices } from '../core/auth/caller.ts';
import { createPasswordUser, cutOffTokens, EmailTakenError, findPasswordIdentity, findUser, setUserRole, updateProfile, userForFirebase, type UserRow } from '../db/queries/users.ts';
import { revokeAllFamilies, revokeFamilyOf, rotateRefreshToken, startRefreshFamily } from '../db/queries/refreshTokens.ts';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../db/queries/apiKeys.ts';
import { readPreferences, storePreferences } from '../db/queries/preferences.ts';
import { countWatchlists, createWatchlist, deleteWatchlist, findWatchlist, listWatchlists, updateWatchlist, type WatchlistRow } from '../db/queries/watchlists.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/;
const MAX_NAME = 100;

function authOf(context: Context): AuthServices {
  if (!context.auth) throw new GraphQLError('Accounts are not available on this server', { extensions: { code: 'UNAVAILABLE' } });
  return context.auth;
}

function userIdOf(context: Context): string {
  return context.caller!.userId!; // scope-auth let only signed-in callers through
}

function badInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

function nameArgument(name: string, argument = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) throw badInput(argument, `Argument "${argument}" must be 1–${MAX_NAME} characters`);
  return trimmed;
}

interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserRow;
}

/** A new session: an access token, and a refresh token starting a family (or continuing `familyId`'s, already stored). */
async function startSession(context: Context, user: UserRow): Promise<Session> {
  const auth = authOf(context);
  const refreshToken = newRefreshToken();
  const refreshTokenExpiresAt = new Date(context.now() + auth.refreshTokenSeconds * 1000);
  await startRefreshFamily(context.db, user.id, sha256(refreshToken), refreshTokenExpiresAt);
  const access = await auth.keys.sign(user.id, user.role, context.now());
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt, user };
}

const UserType = builder.objectRef<UserRow>('User');
const WatchlistType = builder.objectRef<WatchlistRow>('Watchlist');
const ApiKeyType = builder.objectRef<ApiKeyRow>('ApiKey');
const PlanType = builder.objectRef<Plan & { role: Role }>('Plan');

const RoleEnum = builder.enumType('Role', {
  description: 'A caller\'s role, which names its plan.',
  values: {
    ANONYMOUS: { value: 'anonymous', description: 'No credentials (served only where ALLOW_ANONYMOUS is on).' },
    FREE: { value: 'free', description: 'A registered user (the default role).' },
    PRO: { value: 'pro', description: 'A paying user.' },
    ADMIN: { value: 'admin', description: 'An operator: edits plans and roles.' },
  } as const,
});

const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What an API key may do.',
  values: {
    READ: { value: 'read', description: 'Queries.' },
    STREAM: { value: 'stream', description: 'Subscriptions.' },
    ADMIN: { value: 'admin', description: 'Mutations, and the admin role\'s fields when its owner is an admin.' },
  } as const,
});

const SessionType = builder.objectRef<Session>('AuthSession').implement({
  description: 'A signed-in session: send the access token as `Authorization: Bearer …`; trade the refresh token for a new session with refreshSession before the access token expires.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken', { description: 'A JWT (EdDSA), valid until accessTokenExpiresAt.' }),
    accessTokenExpiresAt: t.field({ type: 'DateTime', description: 'When the access token stops being accepted (AUTH_ACCESS_TOKEN_SECONDS after issue).', resolve: (s) => s.accessTokenExpiresAt }),
    refreshToken: t.exposeString('refreshToken', { description: 'Opaque; good for one refreshSession. Using it twice revokes the whole session.' }),
    refreshTokenExpiresAt: t.field({ type: 'DateTime', description: 'When the refresh token expires (AUTH_REFRESH_TOKEN_DAYS after issue).', resolve: (s) => s.refreshTokenExpiresAt }),
    user: t.field({ type: UserType, description: 'The signed-in user.', resolve: (s) => s.user }),
  }),
});

const PreferencesType = builder.objectRef<Preferences>('Preferences').implement({
  description: 'A user\'s display preferences; every field is absent until set.',
  fields: (t) => ({
    defaultSymbol: t.string({ nullable: true, description: 'The symbol shown first, such as NIFTY.', resolve: (p) => p.defaultSymbol ?? null }),
    chainColumns: t.stringList({ nullable: true, description: 'The option-chain columns shown, in order (OptionQuote field names).', resolve: (p) => p.chainColumns ?? null }),
    theme: t.string({ nullable: true, description: 'light, dark or system.', resolve: (p) => p.theme ?? null }),
    gexConvention: t.string({ nullable: true, description: 'The dealer-positioning convention for gamma exposure (the GexConvention names in lower case with dashes).', resolve: (p) => p.gexConvention ?? null }),
  }),
});

const WatchlistItemType = builder.objectRef<WatchlistItem>('WatchlistItem').implement({
  description: 'A symbol, optionally narrowed to an expiry and a strike.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'The underlying, such as NIFTY.' }),
    expiry: t.field({ type: 'Date', nullable: true, description: 'The expiry date, when narrowed to one.', resolve: (i) => i.expiry ?? null }),
    strike: t.float({ nullable: true, description: 'The strike, index points, when narrowed to one.', resolve: (i) => i.strike ?? null }),
  }),
});

WatchlistType.implement({
  description: 'A named list of symbols, expiries and strikes, owned by one user.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The watchlist\'s id.' }),
    name: t.exposeString('name', { description: 'Its name, 1–100 characters.' }),
    items: t.field({ type: [WatchlistItemType], description: 'Its entries, in the order given (at most 200).', resolve: (w) => w.items }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (w) => w.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When it last changed.', resolve: (w) => w.updatedAt }),
  }),
});

ApiKeyType.implement({
  description: 'An API key, as listed: the secret itself is shown only once, by createApiKey.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The key\'s id (for revokeApiKey).' }),
    name: t.exposeString('name', { description: 'Its name.' }),
    prefix: t.exposeString('prefix', { description: 'Its first 12 characters (opk_…), to recognise it.' }),
    scopes: t.field({ type: [ApiKeyScopeEnum], description: 'What it may do.', resolve: (k) => k.scopes as ApiKeyScope[] }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (k) => k.createdAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was last used (to within a minute); null if never.', resolve: (k) => k.lastUsedAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was revoked; null while it works.', resolve: (k) => k.revokedAt }),
  }),
});

PlanType.implement({
  description: 'What callers of a role may ask for.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, description: 'The role.', resolve: (p) => p.role }),
    symbols: t.exposeStringList('symbols', { description: 'Symbols it may read; ["*"] for all.' }),
    features: t.exposeStringList('features', { description: `Features it may use (${FEATURES.join(', ')}); ["*"] for all.` }),
    historyDays: t.exposeInt('historyDays', { nullable: true, description: 'How far back a read may start, days; null for no bound.' }),
    subscriptions: t.exposeBoolean('subscriptions', { description: 'Whether subscriptions are allowed.' }),
    requestsPerWindow: t.exposeInt('requestsPerWindow', { description: 'Calls of each query field per rate-limit window (RATE_LIMIT_WINDOW_SECONDS) per user, key or address; 0 for no limit.' }),
    costPerWindow: t.exposeInt('costPerWindow', {
      description:
        'Cost points per rate-limit window (RATE_LIMIT_WINDOW_SECONDS) per user, key or address, all its operations together: each query, mutation or subscription start spends its cost (as MAX_COST counts it: the costs the field descriptions state); one that would overspend is refused RATE_LIMITED (reason cost) with its cost, the points left and Retry-After. 0 for no budget.',
    }),
    maxDepth: t.exposeInt('maxDepth', { description: 'Deepest selection nesting, levels.' }),
    maxSubscriptions: t.exposeInt('maxSubscriptions', { description: 'Subscriptions open at once per user, key or address, counted across every API replica sharing a Redis.' }),
    maxConnections: t.exposeInt('maxConnections', { description: 'WebSocket connections open at once per signed-in user, its access tokens and API keys together, counted across every API replica sharing a Redis; an anonymous caller is held per address by SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT instead.' }),
  }),
});

UserType.implement({
  description: 'An account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The user\'s id.' }),
    email: t.exposeString('email', { nullable: true, description: 'The e-mail, lower-cased; null for a Firebase account without a verified one.' }),
    displayName: t.exposeString('displayName', { nullable: true, description: 'The name shown.' }),
    role: t.field({ type: RoleEnum, description: 'The role (a change shows in access tokens from the next refreshSession).', resolve: (u) => (isRole(u.role) ? u.role : 'free') }),
    createdAt: t.field({ type: 'DateTime', description: 'When the account was created.', resolve: (u) => u.createdAt }),
    plan: t.field({ type: PlanType, description: 'What the role\'s plan allows.', resolve: (u, _a, context) => ({ role: u.role as Role, ...authOf(context).plans.plan(isRole(u.role) ? u.role : 'free') }) }),
    preferences: t.field({
      type: PreferencesType,
      description: 'Display preferences (only the user itself reads them).',
      resolve: async (u, _a, context) => (u.id === context.caller?.userId ? ((await readPreferences(context.db, u.id)) as Preferences | null) ?? {} : {}),
    }),
    watchlists: t.field({ type: [WatchlistType], description: 'The user\'s watchlists, oldest first (only the user itself reads them).', resolve: (u, _a, context) => (u.id === context.caller?.userId ? listWatchlists(context.db, u.id) : []) }),
    apiKeys: t.field({ type: [ApiKeyType], description: 'The user\'s API keys, newest first, revoked ones included (only the user itself reads them).', resolve: (u, _a, context) => (u.id === context.caller?.userId ? listApiKeys(context.db, u.id) : []) }),
  }),
});

const CreatedApiKeyType = builder.objectRef<{ key: string; apiKey: ApiKeyRow }>('CreatedApiKey').implement({
  description: 'A new API key: `key` is shown this once and never again (only its hash is stored).',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret: send it as `x-api-key` or `Authorization: ApiKey …`.' }),
    apiKey: t.field({ type: ApiKeyType, description: 'The key as listed.', resolve: (c) => c.apiKey }),
  }),
});

const PreferencesInput = builder.inputType('PreferencesInput', {
  description: 'The whole preferences document (it replaces the stored one); each value is validated.',
  fields: (t) => ({
    defaultSymbol: t.string({ required: false, description: 'A symbol in capitals, such as NIFTY.' }),
    chainColumns: t.stringList({ required: false, description: 'OptionQuote columns to show: ltp, change, changePercent, previousClose, bid, ask, volume, oi, oiChange, iv, delta, gamma, theta, vega, rho, theoreticalPrice.' }),
    theme: t.string({ required: false, description: 'light, dark or system.' }),
    gexConvention: t.string({ required: false, description: 'dealer-long-calls-short-puts, dealer-short-calls-long-puts or unsigned.' }),
  }),
});

const WatchlistItemInput = builder.inputType('WatchlistItemInput', {
  description: 'A watchlist entry.',
  fields: (t) => ({
    symbol: t.string({ required: true, description: 'The underlying, such as NIFTY.' }),
    expiry: t.string({ required: false, description: 'An expiry date, YYYY-MM-DD.' }),
    strike: t.float({ required: false, description: 'A strike, index points.' }),
  }),
});

const PlanInput = builder.inputType('PlanInput', {
  description: 'Changes to a plan: the fields given replace the current ones.',
  fields: (t) => ({
    symbols: t.stringList({ required: false, description: 'Symbols it may read; ["*"] for all.' }),
    features: t.stringList({ required: false, description: `Features (${FEATURES.join(', ')}); ["*"] for all.` }),
    historyDays: t.int({ required: false, description: 'How far back a read may start, days; null for no bound.' }),
    subscriptions: t.boolean({ required: false, description: 'Whether subscriptions are allowed.' }),
    requestsPerWindow: t.int({ required: false, description: 'Calls of each query field per rate-limit window; 0 for no limit.' }),
    costPerWindow: t.int({ required: false, description: 'Cost points all of a caller\'s operations may spend per rate-limit window; 0 for no budget.' }),
    maxDepth: t.int({ required: false, description: 'Deepest selection nesting, levels.' }),
    maxSubscriptions: t.int({ required: false, description: 'Subscriptions open at once per user, key or address.' }),
    maxConnections: t.int({ required: false, description: 'WebSocket connections open at once per signed-in user (at least 1).' }),
  }),
});

function watchlistItems(items: readonly { symbol: string; expiry?: string | null; strike?: number | null }[]): WatchlistItem[] {
  const parsed = watchlistItemsSchema.safeParse(items.map((i) => ({ symbol: i.symbol, expiry: i.expiry ?? undefined, strike: i.strike ?? undefined })));
  if (!parsed.success) throw badInput('items', `Argument "items": ${problemsOf(parsed.error)}`);
  return parsed.data;
}

const invalidCredentials = () => new GraphQLError('Wrong e-mail or password', { extensions: { code: 'INVALID_CREDENTIALS', http: { status: 401 } } });

builder.queryFields((t) => ({
  me: t.field({
    type: UserType,
    nullable: true,
    description: 'The signed-in user; null for an anonymous caller.',
    resolve: (_root, _args, context) => (context.caller?.userId ? findUser(context.db, context.caller.userId) : null),
  }),
  watchlist: t.field({
    type: WatchlistType,
    nullable: true,
    authScopes: { user: true },
    description: 'One of the caller\'s watchlists by id; null when the caller has none with that id (another user\'s included).',
    args: { id: t.arg.id({ required: true, description: 'The watchlist\'s id.' }) },
    resolve: (_root, { id }, context) => findWatchlist(context.db, userIdOf(context), String(id)),
  }),
  plans: t.field({
    type: [PlanType],
    description: 'Every role\'s plan, as in force on this server.',
    resolve: (_root, _args, context) => ROLES.map((role) => ({ role, ...authOf(context).plans.plan(role) })),
  }),
}));

builder.mutationFields((t) => ({
  register: t.field({
    type: SessionType,
    description: 'Creates an account with an e-mail and a password (10–256 characters) and signs it in.',
    args: {
      email: t.arg.string({ required: true, description: 'The e-mail, used to sign in.' }),
      password: t.arg.string({ required: true, description: 'The password, 10–256 characters.' }),
    },
    resolve: async (_root, { email, password }, context) => {
      const auth = authOf(context);
      if (!EMAIL.test(email.trim())) throw badInput('email', 'Argument "email" is not an e-mail address');
      const problem = passwordProblem(password);
      if (problem) throw badInput('password', `Argument "password" ${problem}`);
      try {
        return await startSession(context, await createPasswordUser(context.db, email, await hashPassword(password, auth.scrypt)));
      } catch (error) {
        if (error instanceof EmailTakenError) throw new GraphQLError('An account with this e-mail exists: sign in instead', { extensions: { code: 'EMAIL_TAKEN', argument: 'email' } });
        throw error;
      }
    },
  }),
  login: t.field({
    type: SessionType,
    description: 'Signs in with an e-mail and a password. Repeated failures for an account or from an address make it wait (LOGIN_THROTTLED with retryAfterSeconds).',
    args: {
      email: t.arg.string({ required: true, description: 'The account\'s e-mail.' }),
      password: t.arg.string({ required: true, description: 'Its password.' }),
    },
    resolve: async (_root, { email, password }, context) => {
      const auth = authOf(context);
      const keys = [`account:${email.trim().toLowerCase()}`, `ip:${context.caller?.address ?? 'unknown'}`];
      const waitMs = auth.throttle.delayMs(keys);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        throw new GraphQLError(`Too many failed sign-ins: try again in ${seconds} s`, { extensions: { code: 'LOGIN_THROTTLED', retryAfterSeconds: seconds, http: { status: 429, headers: { 'Retry-After': String(seconds) } } } });
      }
      const found = password.length <= 256 ? await findPasswordIdentity(context.db, email) : null;
      // An unknown e-mail costs one hash too, so the time taken does not tell whether it exists.
      const matches = await verifyPassword(password.slice(0, 256), found?.passwordHash ?? (await dummyHash(auth.scrypt)));
      if (!found || !matches) {
        auth.throttle.fail(keys);
        throw invalidCredentials();
      }
      auth.throttle.succeed(keys[0]);
      return startSession(context, found.user);
    },
  }),
  refreshSession: t.field({
    type: SessionType,
    description: 'Trades a refresh token for a new session (a new access token and a new refresh token). A refresh token works once: using a spent one again revokes its whole session.',
    args: { refreshToken: t.arg.string({ required: true, description: 'The refresh token of the last session.' }) },
    resolve: async (_root, { refreshToken }, context) => {
      const auth = authOf(context);
      const next = newRefreshToken();
      const refreshTokenExpiresAt = new Date(context.now() + auth.refreshTokenSeconds * 1000);
      const rotation = await rotateRefreshToken(context.db, sha256(refreshToken), sha256(next), refreshTokenExpiresAt, new Date(context.now()));
      if (!rotation.ok) {
        const message = { unknown: 'Unknown refresh token', expired: 'The refresh token has expired: sign in again', revoked: 'This session was ended: sign in again', reused: 'This refresh token was already used: the session is revoked, sign in again' }[rotation.reason];
        throw new GraphQLError(message, { extensions: { code: 'INVALID_REFRESH_TOKEN', reason: rotation.reason, http: { status: 401 } } });
      }
      const access = await auth.keys.sign(rotation.user.id, rotation.user.role, context.now());
      return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: next, refreshTokenExpiresAt, user: rotation.user };
    },
  }),
  logout: t.boolean({
    description: 'Ends the session of a refresh token (its access token stays valid until it expires, at most AUTH_ACCESS_TOKEN_SECONDS). False when the token is unknown.',
    args: { refreshToken: t.arg.string({ required: true, description: 'The session\'s refresh token.' }) },
    resolve: (_root, { refreshToken }, context) => revokeFamilyOf(context.db, sha256(refreshToken)),
  }),
  logoutEverywhere: t.int({
    authScopes: { user: true },
    description: 'Ends every session of the caller and refuses every access token issued to it until now, closing its WebSockets signed in with one (4403): at once on the API process that answers, on the others as soon as they hear of it over Redis (with REDIS_URL; at the latest within AUTH_TOKEN_CUTOFF_CACHE_SECONDS, a WebSocket at its next operation). Answers how many sessions were live.',
    resolve: async (_root, _args, context) => {
      const userId = userIdOf(context);
      const live = await revokeAllFamilies(context.db, userId);
      // After the revocation: a refresh that rotated just before it signs its access token before this instant.
      const at = context.now();
      await cutOffTokens(context.db, userId, new Date(at));
      authOf(context).tokensCutOff(userId, at);
      return live;
    },
  }),
  signInWithFirebase: t.field({
    type: SessionType,
    description: 'Signs in with a Firebase ID token: the account linked to its uid, else the account of its verified e-mail (linked now), else a new one.',
    args: { idToken: t.arg.string({ required: true, description: 'A Firebase Authentication ID token.' }) },
    resolve: async (_root, { idToken }, context) => {
      const firebase = authOf(context).firebase;
      if (!firebase) throw new GraphQLError('Firebase sign-in is not configured on this server (FIREBASE_PROJECT_ID)', { extensions: { code: 'UNAVAILABLE' } });
      let identity;
      try {
        identity = await firebase.verify(idToken);
      } catch (error) {
        throw new GraphQLError(`The Firebase ID token was refused: ${error instanceof Error ? error.message : String(error)}`, {
          extensions: { code: 'INVALID_FIREBASE_TOKEN', reason: (error as { code?: string }).code ?? 'invalid', http: { status: 401 } },
        });
      }
      return startSession(context, await userForFirebase(context.db, identity.uid, identity.email, identity.emailVerified, identity.name));
    },
  }),
  updateProfile: t.field({
    type: UserType,
    authScopes: { user: true },
    description: 'Changes the caller\'s display name.',
    args: { displayName: t.arg.string({ required: false, description: 'The name shown, 1–100 characters; null clears it.' }) },
    resolve: async (_root, { displayName }, context) =>
      (await updateProfile(context.db, userIdOf(context), { displayName: displayName == null ? null : nameArgument(displayName, 'displayName') }))!,
  }),
  updatePreferences: t.field({
    type: PreferencesType,
    authScopes: { user: true },
    description: 'Replaces the caller\'s preferences document after validating it (BAD_USER_INPUT naming each bad field).',
    args: { preferences: t.arg({ type: PreferencesInput, required: true, description: 'The whole document.' }) },
    resolve: async (_root, { preferences }, context) => {
      const document = Object.fromEntries(Object.entries(preferences).filter(([, v]) => v != null));
      const parsed = preferencesSchema.safeParse(document);
      if (!parsed.success) throw badInput('preferences', `Argument "preferences": ${problemsOf(parsed.error)}`);
      await storePreferences(context.db, userIdOf(context), parsed.data);
      return parsed.data;
    },
  }),
  createWatchlist: t.field({
    type: WatchlistType,
    authScopes: { user: true },
    description: `Creates a watchlist for the caller (at most ${MAX_WATCHLISTS_PER_USER} per user).`,
    args: {
      name: t.arg.string({ required: true, description: 'Its name, 1–100 characters.' }),
      items: t.arg({ type: [WatchlistItemInput], required: true, description: 'Its entries (at most 200).' }),
    },
    resolve: async (_root, { name, items }, context) => {
      const userId = userIdOf(context);
      const entries = watchlistItems(items);
      if ((await countWatchlists(context.db, userId)) >= MAX_WATCHLISTS_PER_USER) throw badInput('name', `At most ${MAX_WATCHLISTS_PER_USER} watchlists per user: delete one first`);
      return createWatchlist(context.db, userId, nameArgument(name), entries);
    },
  }),
  updateWatchlist: t.field({
    type: WatchlistType,
    authScopes: { user: true },
    description: 'Renames a watchlist of the caller or replaces its entries; NOT_FOUND for an id the caller has no watchlist under (another user\'s included).',
    args: {
      id: t.arg.id({ required: true, description: 'The watchlist\'s id.' }),
      name: t.arg.string({ required: false, description: 'A new name, 1–100 characters.' }),
      items: t.arg({ type: [WatchlistItemInput], required: false, description: 'The new entries (at most 200).' }),
    },
    resolve: async (_root, { id, name, items }, context) => {
      const change = { ...(name != null ? { name: nameArgument(name) } : {}), ...(items != null ? { items: watchlistItems(items) } : {}) };
      const updated = await updateWatchlist(context.db, userIdOf(context), String(id), change);
      if (!updated) throw new GraphQLError(`You have no watchlist ${id}`, { extensions: { code: 'NOT_FOUND', argument: 'id' } });
      return updated;
    },
  }),
  deleteWatchlist: t.boolean({
    authScopes: { user: true },
    description: 'Deletes a watchlist of the caller; false when the caller has none with that id (another user\'s included).',
    args: { id: t.arg.id({ required: true, description: 'The watchlist\'s id.' }) },
    resolve: (_root, { id }, context) => deleteWatchlist(context.db, userIdOf(context), String(id)),
  }),
  createApiKey: t.field({
    type: CreatedApiKeyType,
    authScopes: { user: true },
    description: 'Creates an API key for the caller; the secret is in the answer and never shown again.',
    args: {
      name: t.arg.string({ required: true, description: 'A name to recognise it by, 1–100 characters.' }),
      scopes: t.arg({ type: [ApiKeyScopeEnum], required: true, description: 'What it may do (at least one).' }),
    },
    resolve: async (_root, { name, scopes }, context) => {
      if (scopes.length === 0) throw badInput('scopes', `Argument "scopes" needs at least one of ${API_KEY_SCOPES.join(', ')}`);
      const { key, prefix } = newApiKey();
      const apiKey = await createApiKey(context.db, { userId: userIdOf(context), name: nameArgument(name), prefix, keyHash: sha256(key), scopes: [...new Set(scopes)] });
      return { key, apiKey };
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyType,
    authScopes: { user: true },
    description: 'Revokes one of the caller\'s API keys at once; NOT_FOUND for a key that is not the caller\'s.',
    args: { id: t.arg.id({ required: true, description: 'The key\'s id.' }) },
    resolve: async (_root, { id }, context) => {
      const revoked = await revokeApiKey(context.db, userIdOf(context), String(id));
      if (!revoked) throw new GraphQLError(`You have no API key ${id}`, { extensions: { code: 'NOT_FOUND', argument: 'id' } });
      authOf(context).forgetApiKey(revoked.prefix);
      return revoked;
    },
  }),
  updatePlan: t.field({
    type: PlanType,
    authScopes: { admin: true },
    description: 'Changes a role\'s plan (admin). It applies on this API process at once and on the others within AUTH_PLAN_REFRESH_SECONDS.',
    args: {
      role: t.arg({ type: RoleEnum, required: true, description: 'The role whose plan changes.' }),
      plan: t.arg({ type: PlanInput, required: true, description: 'The fields to change.' }),
    },
    resolve: async (_root, { role, plan }, context) => {
      const plans = authOf(context).plans;
      const change = Object.fromEntries(Object.entries(plan).filter(([key, v]) => v != null || key === 'historyDays'));
      const parsed = planSchema.safeParse({ ...plans.plan(role), ...change });
      if (!parsed.success) throw badInput('plan', `Argument "plan": ${problemsOf(parsed.error)}`);
      await plans.store(role, parsed.data);
      return { role, ...parsed.data };
    },
  }),
  setUserRole: t.field({
    type: UserType,
    authScopes: { admin: true },
    description: 'Gives a user a role (admin). A change refuses the access tokens issued to the user until now (they carry the old role), and closes its WebSockets signed in with one (4403) on every API process, as logoutEverywhere does: the user\'s next refreshSession gives one with the new role.',
    args: {
      userId: t.arg.id({ required: true, description: 'The user\'s id.' }),
      role: t.arg({ type: RoleEnum, required: true, description: 'free, pro or admin.' }),
    },
    resolve: async (_root, { userId, role }, context) => {
      if (role === 'anonymous') throw badInput('role', 'Argument "role": anonymous is not a role a user can have');
      const at = context.now();
      const user = await setUserRole(context.db, String(userId), role, new Date(at));
      if (!user) throw new GraphQLError(`No user ${userId}`, { extensions: { code: 'NOT_FOUND', argument: 'userId' } });
      if (user.tokensValidAfter?.getTime() === at) authOf(context).tokensCutOff(user.id, at);
      return user;
    },
  }),
}));

