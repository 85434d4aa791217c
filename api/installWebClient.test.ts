import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { installWebClient } from './installWebClient.ts';
import { installGraphiQL } from './installGraphiQL.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const dist = mkdtempSync(join(tmpdir(), 'web-client-dist-'));
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title><script type="module" src="/assets/index-abc.js"></script>');
writeFileSync(join(dist, 'assets', 'index-abc.js'), script);
writeFileSync(join(dist, 'build.json'), '{}');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const client = fromClient('127.0.0.1');

describe('installWebClient', () => {
  const yoga = yogaWith([installGraphiQL(), installWebClient(dist)]);

  it('serves the app at / as HTML revalidated on every visit', async () => {
    const response = await yoga.fetch('http://localhost/', { headers: { accept: 'text/html' } }, client);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('/assets/index-abc.js');
  });

  it('serves bundles under /assets/ immutable, compressed, and answers a matching ETag with 304', async () => {
    const response = await yoga.fetch('http://localhost/assets/index-abc.js', { headers: { 'accept-encoding': 'br' } }, client);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await response.arrayBuffer())).toString()).toBe(script);
    const again = await yoga.fetch('http://localhost/assets/index-abc.js', { headers: { 'if-none-match': response.headers.get('etag')! } }, client);
    expect(again.status).toBe(304);
  });

  it('answers 404 for a missing bundle and never serves the build report', async () => {
    expect((await yoga.fetch('http://localhost/assets/gone.js', {}, client)).status).toBe(404);
    expect((await yoga.fetch('http://localhost/build.json', {}, client)).status).toBe(404);
  });

  it('leaves GraphQL and GraphiQL at /graphql', async () => {
    const graphiql = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } }, client);
    expect(await graphiql.text()).toContain('YogaGraphiQL');
    const result = await yoga.fetch('http://localhost/graphql', post({ query: '{ symbols { symbol } }' }), client);
    expect(((await result.json()) as { data: { symbols: unknown[] } }).data.symbols.length).toBeGreaterThan(0);
  });

  it('says how to build the app when it is not built', async () => {
    const unbuilt = yogaWith([installWebClient(join(dist, 'nowhere'))]);
    const response = await unbuilt.fetch('http://localhost/', {}, client);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('npm run web:build');
  });
});
