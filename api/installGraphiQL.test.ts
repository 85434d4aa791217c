import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { css, js } from '@graphql-yoga/render-graphiql/graphiql';
import { installGraphiQL } from './installGraphiQL.ts';
import { fromClient, yogaWith } from '../test/yoga.ts';

const yoga = yogaWith([installGraphiQL()]);
const get = (path: string, headers: Record<string, string> = {}) => yoga.fetch(`http://localhost${path}`, { headers }, fromClient('192.0.2.1'));

describe('installGraphiQL', () => {
  it('serves a page of a few kB (not 9 MB) that links its assets and hands GraphiQL the default query', async () => {
    const response = await get('/graphql', { accept: 'text/html' });
    const page = await response.text();
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.length).toBeLessThan(4096);
    expect(page).toMatch(/<script src="\/graphiql\/graphiql\.[0-9a-f]{16}\.js"><\/script>/);
    expect(page).toMatch(/<link rel="stylesheet" href="\/graphiql\/graphiql\.[0-9a-f]{16}\.css" \/>/);
    expect(page).toMatch(/"defaultQuery":"# Press ▶ and pick Symbols, then NearestChain/);
    // Yoga's wrapper shows `query` (else its own welcome text); the page passes the default as `query`.
    expect(page).toContain("if (!new URL(location.href).searchParams.get('query')) options.query = options.defaultQuery;");
  });

  it('serves each asset from a content-hashed URL, immutable, compressed once, and 304 for its ETag', async () => {
    const page = await (await get('/graphql', { accept: 'text/html' })).text();
    const script = /src="(\/graphiql\/graphiql\.[0-9a-f]+\.js)"/.exec(page)![1];
    const br = await get(script, { 'accept-encoding': 'gzip, br' });
    expect(br.status).toBe(200);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(js);
    const etag = br.headers.get('etag')!;
    expect(script).toContain(etag.slice(1, -1));
    expect((await get(script, { 'if-none-match': etag })).status).toBe(304);

    const style = /href="(\/graphiql\/graphiql\.[0-9a-f]+\.css)"/.exec(page)![1];
    const gzip = await get(style, { 'accept-encoding': 'gzip' });
    expect(gzip.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString()).toBe(css);
    const identity = await get(style);
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(await identity.text()).toBe(css);
  });

  it('serves the Monaco workers and the favicon as files, and 404 for anything else under /graphiql/', async () => {
    const page = await (await get('/graphql', { accept: 'text/html' })).text();
    const workers = [...page.matchAll(/"(\/graphiql\/[a-z]+\.worker\.[0-9a-f]+\.js)"/g)].map((m) => m[1]);
    expect(workers).toHaveLength(3);
    for (const worker of workers) expect((await get(worker)).status).toBe(200);
    const icon = /rel="icon" href="([^"]+)"/.exec(page)![1];
    expect((await get(icon)).headers.get('content-type')).toBe('image/x-icon');
    expect((await get('/graphiql/graphiql.0000000000000000.js')).status).toBe(404);
  });
});
