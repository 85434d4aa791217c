/**
 * The real platform in a child process (`node --import tsx main.ts`), for
 * suites that attack it from outside: a free port on loopback, a fresh data
 * directory (or, with DATABASE_URL set, a fresh PostgreSQL database), its
 * memory from /proc, and a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from './database.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RealServer {
  port: number;
  pid: number;
  /** http://127.0.0.1:port */
  origin: string;
  child: ChildProcess;
  /** What the process wrote to stdout and stderr (the last 64 kB). */
  output(): string;
  /** VmRSS and VmHWM of the process, MB. */
  memory(): { rssMb: number; peakMb: number };
  /** Starts a new peak: VmHWM drops to the current RSS. */
  resetPeak(): void;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts main.ts with `env` on top of a clean environment and waits until it is ready and storing. */
export async function startRealServer(env: Record<string, string>, { readyTimeoutMs = 60_000 } = {}): Promise<RealServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'options-real-server-'));
  const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : undefined;
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...env };
  // The child gets its own database, and no shared Redis or Kafka that other suites use.
  for (const shared of ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS']) delete childEnv[shared];
  if (database) childEnv.DATABASE_URL = database.url;
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-65_536));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const status = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const server: RealServer = {
    port,
    pid: child.pid!,
    origin,
    child,
    output: () => output,
    memory: () => ({ rssMb: status('VmRSS'), peakMb: status('VmHWM') }),
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) while starting:\n${output}`);
    const written = await snapshotsWritten(origin).catch(() => 0);
    if (written > 0) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server was not ready and storing within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Snapshots the storage role has written so far, from /readyz (served to loopback callers). */
export async function snapshotsWritten(origin: string): Promise<number> {
  const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const report = (await response.json()) as { storage?: { snapshotsWritten?: number } };
  return report.storage?.snapshotsWritten ?? 0;
}
