/**
 * Who is calling, as resolved once per request (HTTP) or per WebSocket
 * connection (api/installAuth.ts), and what the schema's auth fields need
 * (the key set, the throttle, the plans, Firebase). Types only: the
 * implementations live in api/ and are handed to the schema in its context.
 */
import type { ApiKeyScope } from './secrets.ts';
import type { Plan, Plans, Role } from './plans.ts';
import type { ScryptParameters } from './password.ts';
import type { LoginThrottle } from './throttle.ts';
import type { TokenKeys } from './tokens.ts';

export interface Caller {
  kind: 'anonymous' | 'user' | 'apiKey';
  /** Null for an anonymous caller. */
  userId: string | null;
  role: Role;
  plan: Plan;
  /** What it may do: a signed-in user all three (admin only for the admin role); an API key its own scopes. */
  scopes: ReadonlySet<ApiKeyScope>;
  apiKeyId?: string;
  /** The rate limiter's and the subscription cap's identity: key:<id>, user:<id> or ip:<address>. */
  identity: string;
  /** The client's address (identifyClient), for the login throttle. */
  address: string;
  /** When the access token it signed in with expires, epoch ms. */
  expiresAtMs?: number;
  /** When the access token it signed in with was issued, epoch ms (checked against the user's token cut-off). */
  issuedAtMs?: number;
}

/** The plans in force: stored ones over the configured defaults, re-read every few seconds. */
export interface PlanBook {
  plan(role: Role): Plan;
  all(): Plans;
  /** Stores a role's plan and applies it here at once (other API processes within their refresh interval). */
  store(role: Role, plan: Plan): Promise<void>;
}

export interface FirebaseIdentity {
  uid: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** Verifies a Firebase ID token (signature, expiry, revocation); throws with the reason when it is not valid. */
export interface FirebaseVerifier {
  verify(idToken: string): Promise<FirebaseIdentity>;
}

export interface AuthServices {
  keys: TokenKeys;
  throttle: LoginThrottle;
  plans: PlanBook;
  scrypt: ScryptParameters;
  /** Refresh tokens live this long, s. */
  refreshTokenSeconds: number;
  /** Absent when FIREBASE_PROJECT_ID is not set. */
  firebase?: FirebaseVerifier;
  /** Forget a revoked API key at once on this process. */
  forgetApiKey(prefix: string): void;
  /**
   * The user's access tokens issued before `atMs` were cut off (stored by the
   * caller): refused at once on this process, and its WebSockets signed in
   * with one are closed; other processes within AUTH_TOKEN_CUTOFF_CACHE_SECONDS.
   */
  tokensCutOff(userId: string, atMs: number): void;
}
