/**
 * The Firebase Auth emulator of the firebase-tools package, started for a
 * test on free ports with a demo- project (no Google project, no network:
 * firebase-tools warns that it cannot fetch its MOTD and goes on), and its
 * REST API for making users and tokens as a Firebase client would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AuthEmulator {
  /** host:port, for FIREBASE_AUTH_EMULATOR_HOST. */
  host: string;
  projectId: string;
  signUp(email: string, password: string): Promise<{ idToken: string; localId: string }>;
  signIn(email: string, password: string): Promise<{ idToken: string; localId: string }>;
  /** Marks a user's e-mail verified (the emulator's admin API). */
  verifyEmail(localId: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

export async function startAuthEmulator(projectId = 'demo-options', readyTimeoutMs = 90_000): Promise<AuthEmulator> {
  const [port, hub, logging] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'firebase-emulator-'));
  writeFileSync(join(dir, 'firebase.json'), JSON.stringify({ emulators: { auth: { port, host: '127.0.0.1' }, hub: { port: hub, host: '127.0.0.1' }, logging: { port: logging, host: '127.0.0.1' }, ui: { enabled: false } } }));
  const binary = join(import.meta.dirname, '..', 'node_modules', '.bin', 'firebase');
  const child: ChildProcess = spawn(binary, ['emulators:start', '--only', 'auth', '--project', projectId], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true' } });
  let output = '';
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const host = `127.0.0.1:${port}`;
  const base = `http://${host}/identitytoolkit.googleapis.com/v1`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const ready = await fetch(`http://${host}/`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the Firebase Auth emulator did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = (await response.json()) as Record<string, any>;
    if (!response.ok) throw new Error(`emulator ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  return {
    host,
    projectId,
    signUp: async (email, password) => (await call('accounts:signUp?key=fake-api-key', { email, password, returnSecureToken: true })) as never,
    signIn: async (email, password) => (await call('accounts:signInWithPassword?key=fake-api-key', { email, password, returnSecureToken: true })) as never,
    verifyEmail: async (localId) => void (await call(`projects/${projectId}/accounts:update`, { localId, emailVerified: true }, { authorization: 'Bearer owner' })),
    stop,
  };
}
