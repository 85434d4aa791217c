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
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Installation } from './installation.ts';
import { asset, contentHash, serveAssets, type Asset } from './staticAssets.ts';

export const ASSET_PREFIX = '/graphiql/';

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

/** The assets, shared by every app of the process (tests build many). */
let sharedAssets: Assets | undefined;

export function installGraphiQL(): Installation {
  const assets = (sharedAssets ??= graphiqlAssets());
  return {
    graphiql: { title: 'Options platform', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL: (options) => graphiqlPage(options, assets),
    plugins: [serveGraphiQLAssets(assets)],
  };
}

type Assets = ReturnType<typeof graphiqlAssets>;

function graphiqlAssets() {
  const iconData = /^data:([^;,]+);base64,(.*)$/s.exec(favicon);
  return {
    js: graphiqlAsset('graphiql', 'js', 'text/javascript; charset=utf-8', Buffer.from(js)),
    css: graphiqlAsset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(css)),
    editorWorker: graphiqlAsset('editor.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(editorWorkerService)),
    jsonWorker: graphiqlAsset('json.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(jsonWorker)),
    graphqlWorker: graphiqlAsset('graphql.worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(graphqlWorker)),
    favicon: graphiqlAsset('favicon', 'ico', iconData?.[1] ?? 'image/x-icon', Buffer.from(iconData?.[2] ?? '', 'base64')),
  };
}

/** A GraphiQL asset under ASSET_PREFIX, its name carrying the hash of its content. */
function graphiqlAsset(name: string, extension: string, type: string, identity: Buffer): Asset {
  return asset(`${ASSET_PREFIX}${name}.${contentHash(identity)}.${extension}`, type, identity);
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

function serveGraphiQLAssets(assets: Assets) {
  const byPath = new Map(Object.values(assets).map((a) => [a.path, a]));
  return serveAssets((pathname) => (pathname.startsWith(ASSET_PREFIX) ? (byPath.get(pathname) ?? null) : undefined));
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
