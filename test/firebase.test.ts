/**
 * signInWithFirebase against the real Firebase Auth emulator (firebase-tools,
 * a demo- project, FIREBASE_AUTH_EMULATOR_HOST), through the real server as
 * a real client: a user made in the emulator signs in and gets the same
 * account each time; an expired, a revoked and a forged token are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeApp, deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { startAuthEmulator, type AuthEmulator } from './firebaseEmulator.ts';

let emulator: AuthEmulator;
let app: App;
let database: DatabaseHandle;
let url: string;

const SIGN_IN = 'mutation($t: String!) { signInWithFirebase(idToken: $t) { accessToken user { id email } } }';
async function signInWithFirebase(idToken: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SIGN_IN, variables: { t: idToken } }) });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

beforeAll(async () => {
  emulator = await startAuthEmulator();
  process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator.host;
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    SIM_TICK_MS: '1000',
    SIM_INSTITUTIONAL_DAYS: '0',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    AUTH_SCRYPT_LOG_N: '12',
    FIREBASE_PROJECT_ID: emulator.projectId,
    DATA_DIR: scratchDir('firebase'),
  });
  app = await buildApp(config, { database });
  ({ url } = await app.start(0));
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await emulator?.stop();
  delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
});

describe('signInWithFirebase against the Auth emulator', () => {
  it('signs in a user created in the emulator, with its verified e-mail, and finds the same account the next time', async () => {
    const { localId } = await emulator.signUp('meera@example.com', 'emulator password');
    await emulator.verifyEmail(localId);
    const first = await signInWithFirebase((await emulator.signIn('meera@example.com', 'emulator password')).idToken);
    expect(first.errors).toBeUndefined();
    expect(first.data.signInWithFirebase.user.email).toBe('meera@example.com');
    const again = await signInWithFirebase((await emulator.signIn('meera@example.com', 'emulator password')).idToken);
    expect(again.data.signInWithFirebase.user.id).toBe(first.data.signInWithFirebase.user.id);
  });

  it('refuses an expired ID token: 401 INVALID_FIREBASE_TOKEN auth/id-token-expired', async () => {
    const { idToken } = await emulator.signUp('late@example.com', 'emulator password');
    const [header, payload] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = `${header}.${Buffer.from(JSON.stringify({ ...claims, iat: past, auth_time: past, exp: past + 3600 })).toString('base64url')}.`;
    const answer = await signInWithFirebase(expired);
    expect([answer.status, answer.errors?.[0].extensions.code, answer.errors?.[0].extensions.reason]).toEqual([401, 'INVALID_FIREBASE_TOKEN', 'auth/id-token-expired']);
  });

  it('refuses a revoked ID token: 401 INVALID_FIREBASE_TOKEN auth/id-token-revoked', async () => {
    const { idToken, localId } = await emulator.signUp('revoked@example.com', 'emulator password');
    // Revocation is to the second: tokens issued in an earlier second than it are revoked.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const admin = initializeApp({ projectId: emulator.projectId }, 'revoker');
    await getAuth(admin).revokeRefreshTokens(localId);
    await deleteApp(admin);
    const answer = await signInWithFirebase(idToken);
    expect([answer.status, answer.errors?.[0].extensions.code, answer.errors?.[0].extensions.reason]).toEqual([401, 'INVALID_FIREBASE_TOKEN', 'auth/id-token-revoked']);
  });

  it('refuses a token of another project: 401 INVALID_FIREBASE_TOKEN', async () => {
    const { idToken } = await emulator.signUp('other@example.com', 'emulator password');
    const [header, payload] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const foreign = `${header}.${Buffer.from(JSON.stringify({ ...claims, aud: 'demo-elsewhere', iss: 'https://securetoken.google.com/demo-elsewhere' })).toString('base64url')}.`;
    const answer = await signInWithFirebase(foreign);
    expect([answer.status, answer.errors?.[0].extensions.code]).toEqual([401, 'INVALID_FIREBASE_TOKEN']);
  });
});
