/**
 * GraphiQL, bundled with the server (no CDN), as a small HTML page and
 * separate assets. @graphql-yoga/render-graphiql inlines its 9 MB of script,
 * styles, Monaco workers and favicon into every page load; here the page is
 * ~2 kB and links the assets, served from content-hashed URLs under
 * /graphiql/ with `Cache-Control: public, max-age=31536000, immutable` and a
 * strong ETag, compressed (brotli and gzip) once, at the first request, so a browser
 * fetches them once per version.
 *
 * The default query: Yoga's GraphiQL wrapper always hands GraphiQL an
 * `initialQuery` (the URL's ?query=, else its `query` option, else its own
 * welcome comment), and GraphiQL only falls back to `defaultQuery` when there
 * is no initial query, so the configured defaultQuery never showed. The page
 * passes it as `query` unless the URL carries one.
 */
import { createHash } from 'node:crypto';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { chooseEncoding, compress, type Encoding } from './installCompression.ts';
import type { Installation, YogaPlugin } from './installation.ts';

export const ASSET_PREFIX = '/graphiql/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What GraphiQL shows on a first visit (test/readme.test.ts runs it). */
export const DEFAULT_QUERY = /* GraphQL */ `# Press ▶ and pick Symbols, then NearestChain.
# Symbols: the underlyings; NIFTY expiries with hasData.
query Symbols {
  symbols { symbol exchange lotSize strikeStep }
  expiryList(symbol: "NIFTY") { date hasData lastSnapshotAt }
}

# NearestChain: the nearest NIFTY expiry with data.
query NearestChain {
  optionChain(symbol: "NIFTY") {
    expiry timestamp spot
    analytics { pcrOi maxPain atmStrike atmIv expectedMove }
  }
}
`;

export interface Asset {
  /** Its URL path, with the hash of its content. */
  path: string;
  type: string;
  etag: string;
  identity: Buffer;
  /** Compressed once, when first asked for (about a second of CPU for all of them, on the thread pool). */
  encoded: () => Promise<Record<Encoding, Buffer>>;
}

/** The assets, shared by every app of the process (tests build many). */
let sharedAssets: Assets | undefined;

export function installGraphiQL(): Installation {
  const assets = (sharedAssets ??= graphiqlAssets());
  return {
    graphiql: { title: 'Options platform', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL: (options) => graphiqlPage(options, assets),
    plugins: [serveAssets(assets)],
  };
}

type Assets = ReturnType<typeof graphiqlAssets>;

function graphiqlAssets() {
  const iconData = /^data:([^;,]+);base64,(.*)$/s.exec(favicon);
  return {
    js: asset('graphiql', 'js', 'text/javascript; charset=utf-8', Buffer.from(js)),
    css: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(css)),
    editorWorker: asset('editor.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(editorWorkerService)),
    jsonWorker: asset('json.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(jsonWorker)),
    graphqlWorker: asset('graphql.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(graphqlWorker)),
    favicon: asset('favicon', 'ico', iconData?.[1] ?? 'image/x-icon', Buffer.from(iconData?.[2] ?? '', 'base64')),
  };
}

function asset(name: string, extension: string, type: string, identity: Buffer): Asset {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  let encoding: Promise<Record<Encoding, Buffer>> | undefined;
  const encoded = () =>
    (encoding ??= Promise.all([compress(identity, 'br', 'static'), compress(identity, 'gzip', 'static')]).then(([br, gzip]) => ({ br, gzip })));
  return { path: `${ASSET_PREFIX}${name}.${hash}.${extension}`, type, etag: `"${hash}"`, identity, encoded };
}

/** The page: GraphiQL's options and links to the assets. */
export function graphiqlPage(options: GraphiQLOptions, assets: Assets): string {
  const workers = { editorWorkerService: assets.editorWorker.path, json: assets.jsonWorker.path, graphql: assets.graphqlWorker.path };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${assets.favicon.path}" />
    <link rel="stylesheet" href="${assets.css.path}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${assets.js.path}"></script>
    <script>
      const options = ${scriptJson(options)};
      if (!new URL(location.href).searchParams.get('query')) options.query = options.defaultQuery;
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), options);
    </script>
  </body>
</html>
`;
}

function serveAssets(assets: Assets): YogaPlugin {
  const byPath = new Map(Object.values(assets).map((a) => [a.path, a]));
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith(ASSET_PREFIX) || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const found = byPath.get(url.pathname);
      if (!found) {
        endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      const headers: Record<string, string> = { 'cache-control': IMMUTABLE, etag: found.etag, vary: 'Accept-Encoding' };
      if (request.headers.get('if-none-match')?.split(',').some((tag) => tag.trim() === found.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const body = (encoding ? (await found.encoded())[encoding] : found.identity) as Uint8Array<ArrayBuffer>;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-type'] = found.type;
      headers['content-length'] = String(body.byteLength);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
