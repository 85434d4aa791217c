/**
 * The real platform as a child process (`node --import tsx main.ts`, as
 * `npm start` runs it), for suites that must kill it, starve it or attack it
 * from outside: its logs (one JSON object per line), its health endpoints,
 * its peak resident memory, and signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PlatformProcess {
  pid: number;
  port: number;
  url: string;
  /** Log lines so far, parsed. */
  logs: Record<string, unknown>[];
  /** What it wrote to stderr (the last few kilobytes): an uncaught exception ends up there. */
  stderr(): string;
  /** /readyz?details (this caller is on loopback, so it gets the operator view). */
  readyz(): Promise<{ status: number; body: ReadyzBody }>;
  /** Milliseconds /healthz took to answer, or Infinity when it did not within `timeoutMs`. */
  healthz(timeoutMs?: number): Promise<number>;
  /** Peak resident set size so far (VmHWM), bytes. */
  peakRss(): number;
  /** VmRSS and VmHWM, MB. */
  memory(): { rssMb: number; peakMb: number };
  /** Starts a new peak: VmHWM drops to the current RSS. */
  resetPeak(): void;
  signal(signal: NodeJS.Signals): void;
  /** Whether it is still running. */
  running(): boolean;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

export interface ReadyzBody {
  ready: boolean;
  status: string;
  problems: string[];
  degraded: string[];
  details: {
    source?: { snapshotsEmitted: number; state: string; message?: string };
    ingest?: { published: number; duplicates: number; heldSince: number | null };
    processor?: { processed: number };
    storage?: { snapshotsWritten: number; spooled: number; replayed: number; lastError: string | null; spool: { bytes: number } | null };
    queues: { topic: string; group: string; queued: number; queuedBytes: number }[];
    [key: string]: unknown;
  };
}

/** A field of /proc/<pid>/status in kB (NaN once the process is gone). */
function procStatusKb(pid: number, field: string): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts the platform with `env` (on top of a minimal environment: no
 * variables of the test runner leak in) and resolves once /healthz
 * answers; rejects with its last log lines when it exits or does not start
 * within `timeoutMs`.
 */
export async function startPlatform(env: Record<string, string>, timeoutMs = 60_000): Promise<PlatformProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ message: line });
      }
      // Keep memory flat in long runs.
      if (logs.length > 5_000) logs.splice(0, 1_000);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const base = `http://127.0.0.1:${port}`;
  const describeEnd = () => `${logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${stderr.join('').slice(-3_000)}`;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // /healthz answers once the server listens, whatever the log level.
    const up = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (up) break;
    const gone = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100, null))]);
    if (gone !== null) throw new Error(`the platform exited (${gone}) before it started:\n${describeEnd()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the platform did not start within ${timeoutMs} ms:\n${describeEnd()}`);
    }
  }

  return {
    pid: child.pid!,
    port,
    url: `${base}/graphql`,
    logs,
    stderr: () => stderr.join('').slice(-5_000),
    async readyz() {
      const response = await fetch(`${base}/readyz?details`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: (await response.json()) as ReadyzBody };
    },
    async healthz(timeout = 5_000) {
      const started = performance.now();
      try {
        const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeout) });
        await response.arrayBuffer();
        return response.ok ? performance.now() - started : Infinity;
      } catch {
        return Infinity;
      }
    },
    peakRss() {
      return procStatusKb(child.pid!, 'VmHWM') * 1024;
    },
    memory() {
      return { rssMb: procStatusKb(child.pid!, 'VmRSS') / 1024, peakMb: procStatusKb(child.pid!, 'VmHWM') / 1024 };
    },
    resetPeak() {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    },
    signal(signal) {
      child.kill(signal);
    },
    running() {
      return child.exitCode === null && child.signalCode === null;
    },
    exited,
  };
}
