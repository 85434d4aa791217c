/**
 * Access tokens: short-lived JWTs signed with Ed25519 (alg EdDSA) by the first
 * key of a key set; every key of the set verifies, so a new key put first
 * (rotation) signs from then on while tokens signed by the old one stay valid
 * until they expire. Each key has a `kid`, which the token's header names; a
 * token whose `kid` is not in the set, whose `alg` is anything but EdDSA
 * (`none` included), whose signature or claims do not check, or that has
 * expired is refused with the reason.
 *
 * Claims: sub (user id), role (the plan's role when it was issued: a role
 * change shows at the next refresh), iss, aud, iat, exp, and iat_ms (the
 * issue instant in epoch ms, which a user's token cut-off is compared with:
 * iat alone is whole seconds).
 */
import { SignJWT, jwtVerify, importJWK, exportJWK, generateKeyPair, errors, type JWK, type CryptoKey, type KeyObject } from 'jose';
import { randomBytes } from 'node:crypto';

export const ACCESS_TOKEN_ISSUER = 'options-platform';
export const ACCESS_TOKEN_AUDIENCE = 'options-api';
const ALG = 'EdDSA';

export type SigningJwk = JWK & { kid: string; d: string };
type Key = CryptoKey | KeyObject;

export interface AccessClaims {
  userId: string;
  role: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** When it was issued, epoch ms (iat_ms; iat·1000 for a token without it). */
  issuedAtMs: number;
}

export class TokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** A new Ed25519 signing key as a JWK with a random kid. */
export async function generateSigningJwk(): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: ALG, kid: randomBytes(8).toString('base64url') } as SigningJwk;
}

export class TokenKeys {
  private constructor(
    private readonly signing: { kid: string; key: Key },
    private readonly verifying: ReadonlyMap<string, Key>,
    readonly accessTokenSeconds: number,
  ) {}

  /** The set from JWKs, the first one signing; each must be an Ed25519 private JWK with a kid. */
  static async from(jwks: readonly SigningJwk[], accessTokenSeconds: number): Promise<TokenKeys> {
    if (jwks.length === 0) throw new Error('the key set is empty');
    const verifying = new Map<string, Key>();
    let signing: { kid: string; key: Key } | undefined;
    for (const jwk of jwks) {
      if (!jwk.kid || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error(`key ${jwk.kid ?? '(no kid)'} must be an Ed25519 private JWK (kty OKP, crv Ed25519, d) with a kid`);
      if (verifying.has(jwk.kid)) throw new Error(`kid ${jwk.kid} appears twice`);
      const { d: _private, ...publicJwk } = jwk;
      verifying.set(jwk.kid, (await importJWK(publicJwk, ALG)) as Key);
      signing ??= { kid: jwk.kid, key: (await importJWK(jwk, ALG)) as Key };
    }
    return new TokenKeys(signing!, verifying, accessTokenSeconds);
  }

  get signingKid(): string {
    return this.signing.kid;
  }

  async sign(userId: string, role: string, nowMs = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + this.accessTokenSeconds;
    const token = await new SignJWT({ role, iat_ms: Math.floor(nowMs) })
      .setProtectedHeader({ alg: ALG, kid: this.signing.kid, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.signing.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid access token; TokenError saying why otherwise. */
  async verify(token: string, nowMs = Date.now()): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.verifying.get(header.kid);
          if (!key) throw new TokenError('invalid', `unknown key id ${JSON.stringify(header.kid ?? null)}`);
          return key;
        },
        { algorithms: [ALG], issuer: ACCESS_TOKEN_ISSUER, audience: ACCESS_TOKEN_AUDIENCE, currentDate: new Date(nowMs), requiredClaims: ['sub', 'exp', 'iat'] },
      );
      if (typeof payload.role !== 'string') throw new TokenError('invalid', 'the token has no role');
      const issuedAtMs = typeof payload.iat_ms === 'number' && Number.isFinite(payload.iat_ms) ? payload.iat_ms : payload.iat! * 1000;
      return { userId: payload.sub!, role: payload.role, expiresAt: payload.exp!, issuedAtMs };
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenError('expired', 'the access token has expired');
      throw new TokenError('invalid', `the access token is not valid: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
