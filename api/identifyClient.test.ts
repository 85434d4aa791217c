import { describe, expect, it } from 'vitest';
import { clientKey, identifyClient, isLoopback } from './identifyClient.ts';

const request = (remoteAddress: string | undefined, forwardedFor?: string | string[]) => ({
  socket: { remoteAddress },
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('identifyClient', () => {
  it('identifies a client by the address of its socket', () => {
    expect(identifyClient(request('203.0.113.7'), 0)).toBe('203.0.113.7');
    expect(identifyClient(request('::ffff:203.0.113.7'), 0)).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For unless proxies are trusted, so a forged header mints no identity', () => {
    expect(identifyClient(request('203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
    expect(identifyClient(request('203.0.113.7', ['198.51.100.1', '198.51.100.2']), 0)).toBe('203.0.113.7');
  });

  it('behind one trusted proxy takes the address that proxy appended, not what the client wrote before it', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; the proxy (10.0.0.2) appended the address it saw.
    expect(identifyClient(request('10.0.0.2', '1.1.1.1, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(identifyClient(request('10.0.0.2', '203.0.113.7'), 1)).toBe('203.0.113.7');
  });

  it('behind two trusted proxies counts two entries from the right', () => {
    expect(identifyClient(request('10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.9'), 2)).toBe('203.0.113.7');
  });

  it('falls back to the socket when the header is missing, too short or not an address', () => {
    expect(identifyClient(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(identifyClient(request('10.0.0.2', 'not-an-ip'), 1)).toBe('10.0.0.2');
    expect(identifyClient(request('10.0.0.2', '203.0.113.7'), 3)).toBe('203.0.113.7');
  });

  it('names a request without an address "unknown"', () => {
    expect(identifyClient(request(undefined), 0)).toBe('unknown');
    expect(identifyClient({ headers: {} }, 0)).toBe('unknown');
  });
});

describe('clientKey', () => {
  it('groups IPv6 addresses by their /64 network', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps IPv4 addresses whole', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('isLoopback', () => {
  it('knows this machine in IPv4, IPv6 and IPv4-mapped form, and nothing else', () => {
    for (const local of ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(local), local).toBe(true);
    for (const remote of ['10.0.0.1', '::2', '203.0.113.7', '', 'localhost']) expect(isLoopback(remote), remote).toBe(false);
  });
});
