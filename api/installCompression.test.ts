import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createYoga } from 'graphql-yoga';
import { chooseEncoding, installCompression, MIN_BYTES } from './installCompression.ts';
import { combine } from './installation.ts';

/** A server answering `body` with `type`, compressed by the installer. */
function serving(type: string, body: string, compression = true) {
  const respond = { onRequest: ({ endResponse, fetchAPI }: any) => endResponse(new fetchAPI.Response(body, { headers: { 'content-type': type } })) };
  const { plugins } = combine([installCompression({ COMPRESSION: compression })]);
  return createYoga({ logging: false, plugins: [respond, ...plugins!] });
}

const large = JSON.stringify({ data: { rows: Array.from({ length: 200 }, (_, i) => ({ strike: 20_000 + 50 * i, iv: 0.15 })) } });

describe('installCompression', () => {
  it('chooses brotli or gzip by the weights of Accept-Encoding, brotli on a tie, none when both are refused', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('gzip;q=1, br;q=0.5')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding('gzip;q=0, br;q=0')).toBeNull();
    expect(chooseEncoding(null)).toBeNull();
  });

  it.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)('compresses a GraphQL result with %s, losslessly', async (encoding, decompress) => {
    const response = await serving('application/graphql-response+json', large).fetch('http://localhost/x', { headers: { 'accept-encoding': encoding } });
    expect(response.headers.get('content-encoding')).toBe(encoding);
    expect(response.headers.get('vary')).toMatch(/Accept-Encoding/);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.byteLength).toBeLessThan(large.length / 3);
    expect(decompress(body).toString()).toBe(large);
  });

  it(`sends bodies under ${MIN_BYTES} bytes, event streams and clients without Accept-Encoding as they are`, async () => {
    const small = await serving('application/json', '{"data":{}}').fetch('http://localhost/x', { headers: { 'accept-encoding': 'br' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(await small.text()).toBe('{"data":{}}');
    const stream = await serving('text/event-stream', large).fetch('http://localhost/x', { headers: { 'accept-encoding': 'br' } });
    expect(stream.headers.get('content-encoding')).toBeNull();
    const plain = await serving('application/json', large).fetch('http://localhost/x');
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('compresses nothing with COMPRESSION=false', async () => {
    const response = await serving('application/json', large, false).fetch('http://localhost/x', { headers: { 'accept-encoding': 'br' } });
    expect(response.headers.get('content-encoding')).toBeNull();
  });
});
