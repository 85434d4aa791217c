import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { installHealth, type Readiness } from './health.ts';
import type { AppServices } from './app.ts';
import type { SourceStatus } from '../pipeline/source.ts';

/** Just enough of the app for readiness: a database, a source and its ingest counters. */
function services(overrides: { ping?: () => Promise<void>; source?: Partial<SourceStatus>; lastSnapshotAt?: number | null; env?: Record<string, string> } = {}): AppServices {
  const config = loadConfig({ LOG_LEVEL: 'silent', READYZ_TIMEOUT_MS: '100', SOURCE_STALE_SECONDS: '30', ...overrides.env });
  const source: SourceStatus = { name: 'dhan', state: 'running', snapshotsEmitted: 1, rejected: {}, ...overrides.source };
  return {
    config,
    role: 'all',
    queues: () => [],
    published: { count: 0, lastAt: null },
    database: {
      kind: 'postgres',
      location: 'postgres://postgres@10.1.2.3:5432/options',
      ping: overrides.ping ?? (async () => {}),
      size: async () => ({ bytes: 123_456, measured: 'pg_database_size', databaseBytes: 123_456, walBytes: null, retention: {} }),
    },
    source: { name: source.name, status: () => source },
    ingest: { stats: { published: 1, duplicates: 0, lastSnapshotAt: overrides.lastSnapshotAt === undefined ? Date.now() : overrides.lastSnapshotAt, startedAt: Date.now() - 60_000, heldSince: null, heldMs: 0 } },
  } as unknown as AppServices;
}

/** GET `path` through the health handler as a client at `remoteAddress`. */
async function get(app: AppServices, path: string, remoteAddress = '127.0.0.1', authorization?: string, forwardedFor?: string): Promise<{ status: number; body: Readiness & { details?: unknown } }> {
  const handle = installHealth(app);
  return new Promise((resolve) => {
    const headers = { ...(authorization ? { authorization } : {}), ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) };
    const request = { url: path, socket: { remoteAddress }, headers } as unknown as IncomingMessage;
    let status = 0;
    const response = {
      writeHead: (code: number) => (status = code),
      end: (text: string) => resolve({ status, body: JSON.parse(text) }),
    } as unknown as ServerResponse;
    expect(handle(request, response)).toBe(true);
  });
}

describe('/readyz', () => {
  it('tells anyone whether it is ready, without hosts or error texts', async () => {
    const app = services({ ping: async () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')) });
    const { status, body } = await get(app, '/readyz', '203.0.113.9');
    expect(status).toBe(503);
    expect(body).toEqual({ ready: false, status: 'unavailable', role: 'all', problems: ['database: unreachable'], degraded: [], dataBytes: 123_456 });
    expect(JSON.stringify(body)).not.toMatch(/10\.1\.2\.3|ECONNREFUSED/);
  });

  it('gives details to a loopback caller, and to others only with the operator token', async () => {
    const app = services({ env: { OPERATOR_TOKEN: 'a-long-operator-token' } });
    expect((await get(app, '/readyz?details', '127.0.0.1')).body.details).toMatchObject({ database: { location: expect.stringContaining('10.1.2.3') } });
    expect((await get(app, '/readyz?details', '203.0.113.9')).body.details).toBe('only for loopback callers or with the operator token');
    expect((await get(app, '/readyz?details', '203.0.113.9', 'Bearer wrong-token-of-any-length')).body.details).toBe('only for loopback callers or with the operator token');
    expect((await get(app, '/readyz?details', '203.0.113.9', 'Bearer a-long-operator-token')).body.details).toMatchObject({ source: { name: 'dhan' } });
  });

  it('behind a trusted reverse proxy on this machine, gives details only to callers that are themselves local', async () => {
    const app = services({ env: { TRUST_PROXY: '1' } });
    expect((await get(app, '/readyz?details', '127.0.0.1', undefined, '203.0.113.9')).body.details).toBe('only for loopback callers or with the operator token');
    expect((await get(app, '/readyz?details', '127.0.0.1', undefined, '127.0.0.1')).body.details).toMatchObject({ source: { name: 'dhan' } });
    expect((await get(app, '/readyz?details', '::ffff:127.0.0.1')).body.details).toMatchObject({ source: { name: 'dhan' } });
  });

  it('answers within its timeout when the database never does (blackholed)', async () => {
    const app = services({ ping: () => new Promise(() => {}) });
    const started = Date.now();
    const { status, body } = await get(app, '/readyz?details');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(status).toBe(503);
    expect(body.details).toMatchObject({ problems: [expect.stringMatching(/no answer within 100 ms/)] });
  });

  it('turns false when the source has produced nothing usable for SOURCE_STALE_SECONDS (regression: past expiries, an open breaker, only malformed payloads all said ready)', async () => {
    const quiet = services({ lastSnapshotAt: Date.now() - 45_000, source: { state: 'degraded', message: 'circuit open after 5 failures' } });
    const { status, body } = await get(quiet, '/readyz?details');
    expect(status).toBe(503);
    expect(body.problems).toEqual([expect.stringMatching(/^source dhan: nothing usable for 4\d s$/)]);
    expect(body.degraded).toEqual(['source dhan: degraded']);
    expect(body.details).toMatchObject({ problems: [expect.stringMatching(/SOURCE_STALE_SECONDS=30.*circuit open/)] });
    // Never produced anything since start-up (a minute ago) counts the same.
    expect((await get(services({ lastSnapshotAt: null }), '/readyz')).status).toBe(503);
    // A replay that finished is not stale: it has nothing more to give.
    expect((await get(services({ lastSnapshotAt: null, source: { state: 'stopped' } }), '/readyz')).status).toBe(200);
    expect((await get(services(), '/readyz')).body).toMatchObject({ ready: true, status: 'ok' });
  });

  it('calls a database whose ping is slow right after a successful write busy, not unreachable', async () => {
    const app = services({ ping: () => new Promise(() => {}) });
    (app as { storage?: unknown }).storage = { stats: { lastWriteAt: Date.now() - 500, lastError: null, spool: null } };
    const { status, body } = await get(app, '/readyz');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', degraded: ['database: busy'] });
  });

  it('keeps /healthz free of every dependency', async () => {
    const app = services({ ping: () => new Promise(() => {}) });
    expect(await get(app, '/healthz')).toEqual({ status: 200, body: { status: 'ok', role: 'all' } });
  });
});
