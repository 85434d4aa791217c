/**
 * Compressed responses: brotli or gzip, whichever the client accepts (by its
 * Accept-Encoding weights, brotli first on a tie), for GraphQL results,
 * GraphiQL's page and other text of at least MIN_BYTES. Compression runs on
 * libuv's thread pool, off the event loop, at a quality that costs a few ms
 * per response (brotli 4, gzip 6). Streams (SSE subscriptions, incremental
 * delivery) pass as they are, so no event waits in a compressor, and so do
 * bodies already encoded (GraphiQL's assets, compressed once).
 *
 * Why not @whatwg-node/server's useContentEncoding (0.10): it compresses
 * brotli at quality 11 (162 ms of CPU for a 130 kB chain, ~10 s for GraphiQL:
 * a CPU amplifier for any caller), ignores q-values, compresses event streams,
 * and inflates compressed request bodies ahead of any size limit.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Config } from '../core/config.ts';
import type { Installation, YogaPlugin } from './installation.ts';

/** Smaller bodies are sent as they are: the headers would outweigh the saving. */
export const MIN_BYTES = 1024;

const COMPRESSIBLE = /^(application\/(json|graphql-response\+json|javascript)|text\/(html|css|javascript|plain)|image\/svg\+xml)\b/i;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

export type Encoding = 'br' | 'gzip';

export function installCompression(config: Pick<Config, 'COMPRESSION'>): Installation {
  return config.COMPRESSION ? { plugins: [compressResponses()] } : {};
}

function compressResponses(): YogaPlugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const type = response.headers.get('content-type') ?? '';
      if (!encoding || !response.body || response.headers.has('content-encoding') || !COMPRESSIBLE.test(type)) return;
      const body = Buffer.from(await response.arrayBuffer());
      const headers = new fetchAPI.Headers(response.headers);
      let sent: Buffer = body;
      if (body.byteLength >= MIN_BYTES) {
        sent = await compress(body, encoding);
        headers.set('content-encoding', encoding);
        headers.delete('content-length');
      }
      headers.append('vary', 'Accept-Encoding');
      setResponse(new fetchAPI.Response(sent as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers }));
    },
  };
}

/** `body` compressed with `encoding`, on the thread pool; `static` spends more CPU for content compressed once. */
export function compress(body: Buffer, encoding: Encoding, effort: 'response' | 'static' = 'response'): Promise<Buffer> {
  if (encoding === 'gzip') return gzip(body, { level: effort === 'static' ? 9 : 6 });
  return brotli(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: effort === 'static' ? 6 : 4,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  });
}

/** The encoding to answer an Accept-Encoding header with: br or gzip by weight (q=0 refuses one), else none. */
export function chooseEncoding(acceptEncoding: string | null): Encoding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(name.trim(), q ? Number(q[1]) : 1);
  }
  const weight = (name: Encoding) => weights.get(name) ?? weights.get('*') ?? 0;
  const [best] = (['br', 'gzip'] as const).filter((name) => weight(name) > 0).sort((a, b) => weight(b) - weight(a));
  return best ?? null;
}
