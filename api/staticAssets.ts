/**
 * Files served from memory by a Yoga plugin ahead of GraphQL (GraphiQL's
 * bundle, the web client's build): each with a strong ETag from its content,
 * its Cache-Control, and compressed (brotli and gzip) once, at its first
 * request, so a browser fetches each version once.
 */
import { createHash } from 'node:crypto';
import { chooseEncoding, compress, MIN_BYTES, type Encoding } from './installCompression.ts';
import type { YogaPlugin } from './installation.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface Asset {
  /** Its URL path. */
  path: string;
  type: string;
  etag: string;
  cacheControl: string;
  identity: Buffer;
  /** Compressed once, when first asked for (on the thread pool); null when too small to gain. */
  encoded: () => Promise<Record<Encoding, Buffer> | null>;
}

/** The hex SHA-256 of `body`, shortened to 16 characters. */
export function contentHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

export function asset(path: string, type: string, identity: Buffer, cacheControl = IMMUTABLE): Asset {
  const hash = contentHash(identity);
  let encoding: Promise<Record<Encoding, Buffer> | null> | undefined;
  const encoded = () =>
    (encoding ??=
      identity.byteLength < MIN_BYTES ? Promise.resolve(null) : Promise.all([compress(identity, 'br', 'static'), compress(identity, 'gzip', 'static')]).then(([br, gzip]) => ({ br, gzip })));
  return { path, type, etag: `"${hash}"`, cacheControl, identity, encoded };
}

/**
 * A plugin answering GET and HEAD for the paths `lookup` finds (undefined:
 * not ours, GraphQL goes on; null: ours but missing, a 404).
 */
export function serveAssets(lookup: (pathname: string) => Asset | null | undefined): YogaPlugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const found = lookup(url.pathname);
      if (found === undefined) return;
      if (found === null) {
        endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      const headers: Record<string, string> = { 'cache-control': found.cacheControl, etag: found.etag, vary: 'Accept-Encoding' };
      if (request.headers.get('if-none-match')?.split(',').some((tag) => tag.trim() === found.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const encoded = encoding ? await found.encoded() : null;
      const body = (encoding && encoded ? encoded[encoding] : found.identity) as Uint8Array<ArrayBuffer>;
      if (encoding && encoded) headers['content-encoding'] = encoding;
      headers['content-type'] = found.type;
      headers['content-length'] = String(body.byteLength);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}
