import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openLoop } from './openLoop.ts';

let server: Server | undefined;

/** A server answering `{"data":{}}` after `delayMs(n)` for its n-th request (from 0). */
async function serve(delayMs: (n: number) => number): Promise<string> {
  let n = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => setTimeout(() => response.end('{"data":{}}'), delayMs(n++)));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('openLoop', () => {
  it('sends rate × seconds requests on schedule and counts the answers it verifies', async () => {
    const url = await serve(() => 0);
    const result = await openLoop({ url, rate: 200, seconds: 1, connections: 4, body: () => '{}', verify: (body) => body.includes('"data"') });
    expect(result.requests).toBe(200);
    expect(result.errors).toBe(0);
    expect(result.requestsPerSecond).toBeGreaterThan(150);
    expect(result.requestsPerSecond).toBeLessThan(220);
  });

  it('times each request from when it was due, so requests queued behind a stall count it (no coordinated omission)', async () => {
    // One connection, 100 requests a second; the first answer takes 300 ms: the ~30 requests due meanwhile wait for it.
    const url = await serve((n) => (n === 0 ? 300 : 0));
    const result = await openLoop({ url, rate: 100, seconds: 1, connections: 1, body: () => '{}', verify: () => true });
    expect(result.requests).toBe(100);
    expect(result.maxMs).toBeGreaterThanOrEqual(290);
    // A closed loop would show one slow request in a hundred; here a quarter of them waited.
    expect(result.p99Ms).toBeGreaterThan(200);
  });

  it('counts non-200 answers and refused bodies as errors, keeping the first', async () => {
    const url = await serve(() => 0);
    const result = await openLoop({ url, rate: 50, seconds: 0.2, connections: 1, body: () => '{}', verify: () => false });
    expect(result.errors).toBe(result.requests);
    expect(result.firstError).toContain('200 {"data":{}}');
  });
});
