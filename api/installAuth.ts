/**
 * Authentication and authorization of every request (HTTP and graphql-ws):
 *
 * - the caller is resolved once per request, or once per WebSocket in
 *   `connection_init` (connectionParams `authorization`, `apiKey` or
 *   `x-api-key`): an access JWT (`Authorization: Bearer …`), an API key
 *   (`x-api-key: …` or `Authorization: ApiKey …`), or nobody (the anonymous
 *   plan). Credentials that do not check are refused (401 UNAUTHENTICATED;
 *   a WebSocket is closed with 4403 Forbidden), never taken as anonymous;
 * - a WebSocket signed in with an access token is closed with 4403 when the
 *   token expires: the client reconnects with a fresh one;
 * - each operation is checked against the caller's plan before it runs
 *   (schema/access.ts): FORBIDDEN naming what is missing;
 * - subscriptions open at once per caller are capped by its plan
 *   (maxSubscriptions; TOO_MANY_SUBSCRIPTIONS);
 * - WebSockets open at once per signed-in user (its tokens and keys
 *   together) are capped by its plan (maxConnections): one more is closed at
 *   connection_init with 4429 and a reason naming the limit. Anonymous
 *   callers are held per address at the upgrade (installSubscriptionLimits),
 *   as every caller also is.
 *
 * Both caps count leases (api/connectionLeases.ts): in memory embedded, in
 * Redis with REDIS_URL, so every API replica on one Redis enforces one cap
 * (a crashed replica's places free within SUBSCRIPTION_LEASE_SECONDS).
 *
 * An access token once verified is remembered (by its exact text, at most
 * 10,000, each until it expires), so a client's every request does not pay
 * the signature check again. A token issued before its user's cut-off
 * (users.tokens_valid_after: logoutEverywhere, a role change) is refused
 * (401, reason `cut-off`; a WebSocket 4403): the cut-off is read once per
 * user per AUTH_TOKEN_CUTOFF_CACHE_SECONDS (at most 100,000 users
 * remembered), a cut-off made here applies here at once and closes the
 * user's WebSockets signed in before it. With a cut-off channel (Redis
 * pub/sub, api/cutoffChannel.ts) every other replica does the same as soon
 * as it hears of it; without it, or when it missed the message, one made on
 * another replica shows here within AUTH_TOKEN_CUTOFF_CACHE_SECONDS (for an
 * open WebSocket at its next operation).
 * API keys are found by their visible prefix and checked by their SHA-256;
 * a verified key is reused for AUTH_API_KEY_CACHE_SECONDS (revokeApiKey
 * forgets it at once on this process). Plans are the configured ones with
 * the stored ones over them, re-read every AUTH_PLAN_REFRESH_SECONDS.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { Database } from '../db/client.ts';
import type { AuthServices, Caller, FirebaseVerifier, PlanBook } from '../core/auth/caller.ts';
import { MAX_PLAN_DEPTH, planSchema, ROLES, isRole, type Plan, type Plans, type Role } from '../core/auth/plans.ts';
import { apiKeyPrefix, sha256, type ApiKeyScope } from '../core/auth/secrets.ts';
import { LoginThrottle } from '../core/auth/throttle.ts';
import { generateSigningJwk, TokenError, TokenKeys, type AccessClaims, type SigningJwk } from '../core/auth/tokens.ts';
import { findApiKey, touchApiKey, type ApiKeyRow } from '../db/queries/apiKeys.ts';
import { readStoredPlans, storePlan } from '../db/queries/plans.ts';
import { tokenCutoffMs, type UserRow } from '../db/queries/users.ts';
import { accessRefusal, depthLimitRule } from '../schema/access.ts';
import type { Context } from '../schema/builder.ts';
import { clientAddress, clientKey } from './identifyClient.ts';
import { MemoryLeases, type Lease, type Leases } from './connectionLeases.ts';
import type { CutoffChannel } from './cutoffChannel.ts';
import type { Installation, ServerContext, YogaPlugin } from './installation.ts';

type AuthConfig = Pick<
  Config,
  | 'ALLOW_ANONYMOUS'
  | 'AUTH_JWT_KEYS'
  | 'AUTH_JWT_KEYS_FILE'
  | 'AUTH_ACCESS_TOKEN_SECONDS'
  | 'AUTH_REFRESH_TOKEN_DAYS'
  | 'AUTH_SCRYPT_LOG_N'
  | 'AUTH_PLAN_REFRESH_SECONDS'
  | 'AUTH_API_KEY_CACHE_SECONDS'
  | 'AUTH_TOKEN_CUTOFF_CACHE_SECONDS'
  | 'TRUST_PROXY'
  | 'plans'
>;

/** graphql-ws' close code for a refused connection_init (CloseCode.Forbidden). */
export const WS_FORBIDDEN = 4403;
/** The close code of a connection_init beyond its user's plan's maxConnections (graphql-ws' client does not retry it). */
export const WS_TOO_MANY_CONNECTIONS = 4429;

const ALL_SCOPES: ReadonlySet<ApiKeyScope> = new Set(['read', 'stream', 'admin']);
const USER_SCOPES: ReadonlySet<ApiKeyScope> = new Set(['read', 'stream']);
const MAX_CACHED_KEYS = 10_000;
const MAX_CACHED_TOKENS = 10_000;
const MAX_TRACKED_CALLERS = 100_000;

type ClosableSocket = { close(code: number, reason: string): void; once(event: 'close', listener: () => void): unknown };

/** Sets `key` in a map bounded to `max` entries (the oldest goes first). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

function unauthenticated(message: string, reason: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', reason, http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } });
}

/** The key set: AUTH_JWT_KEYS, else AUTH_JWT_KEYS_FILE, generated there once when absent. */
export async function loadTokenKeys(config: Pick<AuthConfig, 'AUTH_JWT_KEYS' | 'AUTH_JWT_KEYS_FILE' | 'AUTH_ACCESS_TOKEN_SECONDS'>, log?: Logger): Promise<TokenKeys> {
  if (config.AUTH_JWT_KEYS) return TokenKeys.from(JSON.parse(config.AUTH_JWT_KEYS) as SigningJwk[], config.AUTH_ACCESS_TOKEN_SECONDS);
  let jwks: SigningJwk[];
  try {
    jwks = JSON.parse(readFileSync(config.AUTH_JWT_KEYS_FILE, 'utf8')) as SigningJwk[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`AUTH_JWT_KEYS_FILE ${config.AUTH_JWT_KEYS_FILE} cannot be read: ${(error as Error).message}`);
    jwks = [await generateSigningJwk()];
    mkdirSync(dirname(config.AUTH_JWT_KEYS_FILE), { recursive: true });
    try {
      // 'wx': of two processes starting on one data folder, the second reads the first's keys.
      writeFileSync(config.AUTH_JWT_KEYS_FILE, JSON.stringify(jwks), { mode: 0o600, flag: 'wx' });
      log?.info('access-token signing key generated', { file: config.AUTH_JWT_KEYS_FILE, kid: jwks[0].kid });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      jwks = JSON.parse(readFileSync(config.AUTH_JWT_KEYS_FILE, 'utf8')) as SigningJwk[];
    }
  }
  return TokenKeys.from(jwks, config.AUTH_ACCESS_TOKEN_SECONDS);
}

/** The configured plans with the stored ones over them, re-read every `refreshSeconds`. */
export class StoredPlanBook implements PlanBook {
  private current: Plans;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly configured: Plans,
    private readonly log?: Logger,
  ) {
    this.current = configured;
  }

  async start(refreshSeconds: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const stored = await readStoredPlans(this.db);
      const plans = { ...this.configured };
      for (const [role, document] of stored) {
        // A plan stored before a field existed takes that field from the configured one.
        const parsed = planSchema.safeParse(isRole(role) && document && typeof document === 'object' ? { ...this.configured[role], ...document } : document);
        if (isRole(role) && parsed.success) plans[role] = parsed.data;
        else this.log?.warn('stored plan ignored', { role });
      }
      this.current = plans;
    } catch (error) {
      this.log?.warn('plans not re-read; keeping the last ones', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  plan(role: Role): Plan {
    return this.current[role];
  }

  all(): Plans {
    return this.current;
  }

  async store(role: Role, plan: Plan): Promise<void> {
    await storePlan(this.db, role, plan);
    this.current = { ...this.current, [role]: plan };
  }
}

/** What a request or a connection presents: an access token, an API key, or nothing. */
export type Credentials = { kind: 'token'; token: string } | { kind: 'apiKey'; key: string } | { kind: 'none' };

/** The credentials in HTTP headers (or connectionParams, read alike). */
export function credentialsOf(headers: Record<string, unknown>): Credentials {
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return typeof value === 'string' ? value.trim() : Array.isArray(value) && typeof value[0] === 'string' ? value[0].trim() : '';
  };
  const apiKey = header('x-api-key') || header('apiKey');
  if (apiKey) return { kind: 'apiKey', key: apiKey };
  const authorization = header('authorization') || header('Authorization');
  const match = /^(Bearer|ApiKey)\s+(\S+)$/i.exec(authorization);
  if (match) return match[1].toLowerCase() === 'bearer' ? { kind: 'token', token: match[2] } : { kind: 'apiKey', key: match[2] };
  if (authorization) return { kind: 'token', token: '' };
  return { kind: 'none' };
}

export interface Auth extends Installation {
  services: AuthServices;
  /** The caller behind these credentials; throws UNAUTHENTICATED when they do not check. */
  resolve(credentials: Credentials, address: string): Promise<Caller>;
  /** graphql-ws' onConnect: false refuses the connection (4403). */
  webSocket: WebSocketAuth;
  close(): void;
}

export interface WebSocketAuth {
  onConnect(connectionParams: Record<string, unknown> | undefined, request: IncomingMessage, socket: ClosableSocket): Promise<boolean>;
}

export interface AuthOptions {
  firebase?: FirebaseVerifier;
  log?: Logger;
  now?: () => number;
  /** Tests: a throttle of their own. */
  throttle?: LoginThrottle;
  /** Where the per-user connection and per-caller subscription caps are counted (default: in memory, this process). */
  leases?: Leases;
  /** Cut-offs told to and heard from every replica (default: none, this process only). */
  cutoffChannel?: CutoffChannel;
}

export async function installAuth(config: AuthConfig, db: Database, options: AuthOptions = {}): Promise<Auth> {
  const now = options.now ?? Date.now;
  const keys = await loadTokenKeys(config, options.log);
  const plans = new StoredPlanBook(db, config.plans, options.log);
  await plans.start(config.AUTH_PLAN_REFRESH_SECONDS);
  const apiKeyCache = new Map<string, { key: ApiKeyRow; user: UserRow; at: number }>();
  // Tokens already verified, until they expire: a client sends the same one with every request.
  const verifiedTokens = new Map<string, AccessClaims>();
  const lastTouched = new Map<string, number>();
  // Per user: the instant before which its access tokens are refused (0: none), and when it was read.
  const cutoffs = new Map<string, { cutoffMs: number; readAt: number }>();
  // Per user: its open WebSockets on this process and the caller each signed in as.
  const userSockets = new Map<string, Map<ClosableSocket, Caller>>();
  const leases = options.leases ?? new MemoryLeases();

  /** The user's access tokens issued before `atMs` are refused here from now on, and its WebSockets signed in with one are closed. */
  function applyCutoff(userId: string, atMs: number): void {
    const known = cutoffs.get(userId);
    remember(cutoffs, userId, { cutoffMs: Math.max(atMs, known?.cutoffMs ?? 0), readAt: now() }, MAX_TRACKED_CALLERS);
    for (const [socket, caller] of userSockets.get(userId) ?? []) {
      if (caller.issuedAtMs !== undefined && caller.issuedAtMs < atMs) socket.close(WS_FORBIDDEN, 'Forbidden: access token cut off; sign in again');
    }
  }
  options.cutoffChannel?.onCutoff(applyCutoff);
  const services: AuthServices = {
    keys,
    throttle: options.throttle ?? new LoginThrottle(),
    plans,
    scrypt: { logN: config.AUTH_SCRYPT_LOG_N, r: 8, p: 1 },
    refreshTokenSeconds: config.AUTH_REFRESH_TOKEN_DAYS * 86_400,
    firebase: options.firebase,
    forgetApiKey: (prefix) => {
      for (const [hash, entry] of apiKeyCache) if (entry.key.prefix === prefix) apiKeyCache.delete(hash);
    },
    tokensCutOff: (userId, atMs) => {
      applyCutoff(userId, atMs);
      options.cutoffChannel?.publish(userId, atMs);
    },
  };

  /** The instant before which the user's access tokens are refused, epoch ms, read at most once per AUTH_TOKEN_CUTOFF_CACHE_SECONDS. */
  async function cutoffOf(userId: string): Promise<number> {
    const cached = cutoffs.get(userId);
    if (cached && now() - cached.readAt < config.AUTH_TOKEN_CUTOFF_CACHE_SECONDS * 1000) return cached.cutoffMs;
    const cutoffMs = await tokenCutoffMs(db, userId);
    remember(cutoffs, userId, { cutoffMs, readAt: now() }, MAX_TRACKED_CALLERS);
    return cutoffMs;
  }

  async function refuseIfCutOff(userId: string, issuedAtMs: number): Promise<void> {
    if (issuedAtMs < (await cutoffOf(userId))) throw unauthenticated('This access token was cut off (signed out everywhere, or the role changed): sign in again', 'cut-off');
  }

  const anonymous = (address: string): Caller => ({
    kind: 'anonymous',
    userId: null,
    role: 'anonymous',
    plan: plans.plan('anonymous'),
    scopes: USER_SCOPES,
    identity: `ip:${clientKey(address)}`,
    address,
  });

  async function lookUpKey(key: string): Promise<{ key: ApiKeyRow; user: UserRow } | null> {
    const hash = sha256(key);
    const cached = apiKeyCache.get(hash);
    if (cached && now() - cached.at < config.AUTH_API_KEY_CACHE_SECONDS * 1000) return cached;
    const prefix = apiKeyPrefix(key);
    const found = prefix ? await findApiKey(db, prefix) : null;
    if (!found || found.key.keyHash !== hash) return null;
    if (apiKeyCache.size >= MAX_CACHED_KEYS) apiKeyCache.delete(apiKeyCache.keys().next().value!);
    apiKeyCache.set(hash, { ...found, at: now() });
    return found;
  }

  async function resolve(credentials: Credentials, address: string): Promise<Caller> {
    if (credentials.kind === 'none') return anonymous(address);
    if (credentials.kind === 'token') {
      if (!credentials.token) throw unauthenticated('The Authorization header must be "Bearer <access token>" or "ApiKey <key>"', 'malformed');
      try {
        let claims = verifiedTokens.get(credentials.token);
        if (!claims || claims.expiresAt * 1000 <= now()) {
          verifiedTokens.delete(credentials.token);
          claims = await keys.verify(credentials.token, now());
          if (verifiedTokens.size >= MAX_CACHED_TOKENS) verifiedTokens.delete(verifiedTokens.keys().next().value!);
          verifiedTokens.set(credentials.token, claims);
        }
        await refuseIfCutOff(claims.userId, claims.issuedAtMs);
        const role: Role = isRole(claims.role) && claims.role !== 'anonymous' ? claims.role : 'free';
        return { kind: 'user', userId: claims.userId, role, plan: plans.plan(role), scopes: role === 'admin' ? ALL_SCOPES : USER_SCOPES, identity: `user:${claims.userId}`, address, expiresAtMs: claims.expiresAt * 1000, issuedAtMs: claims.issuedAtMs };
      } catch (error) {
        if (error instanceof TokenError) throw unauthenticated(error.reason === 'expired' ? 'The access token has expired: refresh the session' : error.message, error.reason);
        throw error;
      }
    }
    const found = await lookUpKey(credentials.key);
    if (!found) throw unauthenticated('Unknown API key', 'unknown-key');
    if (found.key.revokedAt) throw unauthenticated('This API key was revoked', 'revoked-key');
    const role: Role = isRole(found.user.role) && found.user.role !== 'anonymous' ? found.user.role : 'free';
    // A key's scopes are its own; the admin role's fields need its owner to be an admin too (builder.ts).
    const scopes = new Set(found.key.scopes as ApiKeyScope[]);
    // The last use, written at most once a minute per key from here (and so in the database).
    const touched = lastTouched.get(found.key.id);
    if (touched === undefined || now() - touched >= 60_000) {
      if (lastTouched.size >= MAX_CACHED_KEYS) lastTouched.delete(lastTouched.keys().next().value!);
      lastTouched.set(found.key.id, now());
      void touchApiKey(db, found.key.id, new Date(now())).catch(() => {});
    }
    return { kind: 'apiKey', userId: found.user.id, role, plan: plans.plan(role), scopes, apiKeyId: found.key.id, identity: `key:${found.key.id}`, address };
  }

  const callers = new WeakMap<object, Caller>();

  const plugin: YogaPlugin = {
    onValidate({ context, addValidationRule }) {
      // Before the caller is resolved: a request without credentials has the anonymous plan's depth; one with them, its role's (checked at execution) within the ceiling.
      const server = context as unknown as Partial<ServerContext> & { socket?: object; connectionParams?: Record<string, unknown> };
      const known = server.socket ? callers.get(server.socket) : undefined;
      const credentials = credentialsOf({ ...(server.req?.headers ?? {}), ...(server.connectionParams ?? {}) });
      addValidationRule(depthLimitRule(known ? known.plan.maxDepth : credentials.kind === 'none' ? plans.plan('anonymous').maxDepth : MAX_PLAN_DEPTH));
    },
    async onContextBuilding({ context, extendContext }) {
      const server = context as unknown as Partial<ServerContext> & { socket?: object; connectionParams?: Record<string, unknown> };
      // A WebSocket's caller was resolved at connection_init.
      let caller = server.socket ? callers.get(server.socket) : undefined;
      if (caller?.expiresAtMs !== undefined && caller.expiresAtMs <= now()) throw unauthenticated('The access token has expired: reconnect with a fresh one', 'expired');
      if (caller?.issuedAtMs !== undefined && caller.userId) await refuseIfCutOff(caller.userId, caller.issuedAtMs);
      if (!caller) {
        const address = server.req ? clientAddress(server.req, config.TRUST_PROXY) : 'unknown';
        caller = await resolve(credentialsOf({ ...(server.req?.headers ?? {}), ...(server.connectionParams ?? {}) }), address);
      }
      extendContext({ caller, auth: services } as Partial<Context> as never);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = check(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = check(args);
      if (refusal) return void setResultAndStopExecution({ errors: [refusal] });
      const caller = (args.contextValue as Context).caller!;
      const admit = (lease: Lease | null) => {
        if (!lease) {
          setResultAndStopExecution({
            errors: [new GraphQLError(`The ${caller.role} plan allows ${caller.plan.maxSubscriptions} subscriptions open at once; complete one first`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: caller.plan.maxSubscriptions, http: { status: 429 } } })],
          });
          return;
        }
        const end = () => lease.release();
        return {
          onSubscribeResult({ result }: { result: unknown }) {
            if (!(Symbol.asyncIterator in (result as object))) return void end();
            return { onEnd: end };
          },
          onSubscribeError: end,
        };
      };
      const lease = leases.acquire(`subscriptions:${caller.identity}`, caller.plan.maxSubscriptions);
      return lease instanceof Promise ? lease.then(admit) : admit(lease);
    },
  };

  function check(args: ExecutionArgs): GraphQLError | null {
    const caller = (args.contextValue as Context).caller;
    if (!caller) return null;
    return accessRefusal(args.schema, args.document, args.variableValues, args.operationName, caller, { allowAnonymous: config.ALLOW_ANONYMOUS, now: now() });
  }

  return {
    plugins: [plugin],
    services,
    resolve,
    close: () => plans.stop(),
    webSocket: {
      async onConnect(connectionParams, request, socket) {
        // However early the socket closes, what it took is given back.
        let closed = false;
        socket.once('close', () => void (closed = true));
        try {
          const caller = await resolve(credentialsOf(connectionParams ?? {}), clientAddress(request, config.TRUST_PROXY));
          if (caller.userId) {
            const lease = await leases.acquire(`connections:user:${caller.userId}`, caller.plan.maxConnections);
            if (!lease) {
              socket.close(WS_TOO_MANY_CONNECTIONS, `Too many connections: the ${caller.role} plan allows ${caller.plan.maxConnections} WebSockets at once per user`);
              return false;
            }
            if (closed) {
              lease.release();
              return false;
            }
            socket.once('close', () => lease.release());
          }
          callers.set(socket, caller);
          if (caller.userId) {
            const sockets = userSockets.get(caller.userId) ?? new Map<ClosableSocket, Caller>();
            sockets.set(socket, caller);
            userSockets.set(caller.userId, sockets);
            socket.once('close', () => {
              sockets.delete(socket);
              if (sockets.size === 0 && userSockets.get(caller.userId!) === sockets) userSockets.delete(caller.userId!);
            });
          }
          if (caller.expiresAtMs !== undefined) {
            // An expired token ends the connection: the client reconnects with a fresh one.
            const timer = setTimeout(() => socket.close(WS_FORBIDDEN, 'Forbidden: access token expired'), Math.max(0, caller.expiresAtMs - now()));
            timer.unref();
            socket.once('close', () => clearTimeout(timer));
          }
          return true;
        } catch (error) {
          if (error instanceof GraphQLError) return false;
          throw error;
        }
      },
    },
  };
}

export { ROLES };
