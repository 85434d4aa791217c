import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { installSubscriptionLimits } from './installSubscriptionLimits.ts';

const config = loadConfig({ SUBSCRIPTION_MAX_CONNECTIONS: '3', SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: '2', SUBSCRIPTION_MAX_PER_CONNECTION: '7', CORS_ORIGINS: 'https://app.example' });
const upgrade = (address: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress: address }, headers: { host: 'api.example:4000', ...headers } }) as unknown as IncomingMessage;

describe('installSubscriptionLimits', () => {
  it('admits WebSockets up to the per-client and total budgets (429, then 503), and frees a place on release', () => {
    const { webSocket } = installSubscriptionLimits(config);
    const first = webSocket.admit(upgrade('192.0.2.1'));
    expect(webSocket.admit(upgrade('192.0.2.1')).admitted).toBe(true);
    const third = webSocket.admit(upgrade('192.0.2.1'));
    expect(third).toMatchObject({ admitted: false, status: 429 });
    expect(JSON.parse((third as { body: string }).body)).toEqual({
      errors: [{ message: 'Too many subscription connections from this client: at most 2', extensions: { code: 'TOO_MANY_CONNECTIONS', limit: 2 } }],
    });
    expect(webSocket.admit(upgrade('192.0.2.2')).admitted).toBe(true);
    expect(webSocket.admit(upgrade('192.0.2.3'))).toMatchObject({ admitted: false, status: 503 });
    if (first.admitted) first.release();
    expect(webSocket.admit(upgrade('192.0.2.3')).admitted).toBe(true);
  });

  it("refuses a WebSocket from another web page's origin with 403, before counting it", () => {
    const { webSocket, budget } = installSubscriptionLimits(config);
    expect(webSocket.admit(upgrade('192.0.2.1', { origin: 'http://evil.example' }))).toMatchObject({ admitted: false, status: 403 });
    expect(webSocket.admit(upgrade('192.0.2.1', { origin: 'https://app.example' })).admitted).toBe(true);
    expect(webSocket.admit(upgrade('192.0.2.1', { origin: 'http://api.example:4000' })).admitted).toBe(true);
    expect(budget.count()).toBe(2);
  });

  it('carries the WebSocket settings: message size, connection_init wait, operations per connection', () => {
    const { webSocket } = installSubscriptionLimits(config);
    expect(webSocket).toMatchObject({ maxPayload: 102_400, connectionInitWaitTimeout: 3000, maxOperationsPerConnection: 7 });
    expect(webSocket.tooManyOperations().message).toBe('Too many operations on this connection: at most 7; complete one first');
    expect(webSocket.tooManyOperations().extensions).toEqual({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 7 });
  });
});
