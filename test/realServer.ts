/**
 * The real platform in a child process, ready to be attacked: a fresh data
 * directory (or, with DATABASE_URL set, a fresh PostgreSQL database), no
 * shared Redis or Kafka, and not handed over before it is storing. Built on
 * the process harness the fault suite uses (test/support/platformProcess.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from './database.ts';
import { startPlatform, type PlatformProcess } from './support/platformProcess.ts';

export interface RealServer {
  port: number;
  pid: number;
  /** http://127.0.0.1:port */
  origin: string;
  process: PlatformProcess;
  /** What the process wrote to stderr and its last log lines. */
  output(): string;
  /** VmRSS and VmHWM of the process, MB. */
  memory(): { rssMb: number; peakMb: number };
  /** Starts a new peak: VmHWM drops to the current RSS. */
  resetPeak(): void;
  stop(): Promise<void>;
}

/** Starts main.ts with `env` on top of a clean environment and waits until it is ready and storing. */
export async function startRealServer(env: Record<string, string>, { readyTimeoutMs = 60_000 } = {}): Promise<RealServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'options-real-server-'));
  const database = process.env.DATABASE_URL ? await createScratchDatabase() : undefined;
  const platform = await startPlatform({ DATA_DIR: dataDir, ...env, ...(database ? { DATABASE_URL: database.url } : {}) }, readyTimeoutMs);
  const origin = `http://127.0.0.1:${platform.port}`;
  const server: RealServer = {
    port: platform.port,
    pid: platform.pid,
    origin,
    process: platform,
    output: () => `${platform.stderr()}\n${platform.logs.slice(-30).map((l) => JSON.stringify(l)).join('\n')}`,
    memory: () => platform.memory(),
    resetPeak: () => platform.resetPeak(),
    stop: async () => {
      platform.signal('SIGTERM');
      const killer = setTimeout(() => platform.signal('SIGKILL'), 15_000);
      await platform.exited;
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const written = await snapshotsWritten(origin).catch(() => 0);
    if (written > 0) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server was not ready and storing within ${readyTimeoutMs} ms:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Snapshots the storage role has written so far, from /readyz?details (served to loopback callers). */
export async function snapshotsWritten(origin: string): Promise<number> {
  const response = await fetch(`${origin}/readyz?details`, { signal: AbortSignal.timeout(5_000) });
  const report = (await response.json()) as { details?: { storage?: { snapshotsWritten?: number } } };
  return report.details?.storage?.snapshotsWritten ?? 0;
}
