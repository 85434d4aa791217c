/**
 * The web client (web-client/, built by Vite into web-client/dist) served by
 * the API process: its index.html at / (revalidated on every visit, so a new
 * build shows at once) and its content-hashed bundles under /assets/
 * (cached for a year, immutable), from memory, compressed once. GraphQL and
 * GraphiQL stay at /graphql. The build runs before `npm start`
 * (web-client/build.ts); when it is missing, / says how to build it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Installation } from './installation.ts';
import { asset, IMMUTABLE, serveAssets, type Asset } from './staticAssets.ts';

export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../web-client/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const REVALIDATE = 'no-cache';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Options platform</title></head>
<body><h1>The web client is not built</h1>
<p><code>npm start</code> builds it before starting; to build it by hand run <code>npm run web:build</code> and reload.
GraphQL and GraphiQL are at <a href="/graphql">/graphql</a>.</p></body></html>
`;

/** The built files by URL path, read once per build (tests start many apps on one build). */
let shared: { dir: string; stamp: number; byPath: Map<string, Asset> } | undefined;

function builtFiles(dir: string): Map<string, Asset> | null {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return null;
  const stamp = statSync(index).mtimeMs;
  if (shared?.dir === dir && shared.stamp === stamp) return shared.byPath;
  const byPath = new Map<string, Asset>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (TYPES[extname(entry.name)] && entry.name !== 'build.json') {
        const urlPath = `${prefix}${entry.name}`;
        byPath.set(urlPath, asset(urlPath, TYPES[extname(entry.name)]!, readFileSync(path), urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE));
      }
    }
  };
  walk(dir, '/');
  byPath.set('/', byPath.get('/index.html')!);
  shared = { dir, stamp, byPath };
  return byPath;
}

export function installWebClient(distDir: string = DEFAULT_DIST_DIR): Installation {
  const files = builtFiles(distDir);
  const missing = asset('/', 'text/html; charset=utf-8', Buffer.from(NOT_BUILT), REVALIDATE);
  return {
    plugins: [
      serveAssets((pathname) => {
        if (!files) return pathname === '/' || pathname === '/index.html' ? missing : undefined;
        if (pathname.startsWith('/assets/')) return files.get(pathname) ?? null;
        return files.get(pathname);
      }),
    ],
  };
}
