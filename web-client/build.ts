/**
 * Builds the web client (Vite) into web-client/dist when its sources changed
 * since the last build, and reports the bundle's size. `npm start` runs it
 * first (the `prestart` script), so a fresh clone's `npm ci && npm start`
 * serves the app with no extra command; `npm run web:build` forces a build.
 *
 * Freshness: a SHA-256 over the app's sources (src/, index.html,
 * vite.config.ts) and the lockfile, stored with the size report in
 * dist/build.json. Run as a script: `tsx web-client/build.ts [--force]`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_CLIENT_DIR = fileURLToPath(new URL('.', import.meta.url));
export const DIST_DIR = join(WEB_CLIENT_DIR, 'dist');
const ROOT = join(WEB_CLIENT_DIR, '..');
const BUILD_FILE = join(DIST_DIR, 'build.json');

export interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface BuildReport {
  sourcesHash: string;
  builtAt: string;
  files: BundleFile[];
  /** JavaScript and CSS, bytes, as sent without and with gzip. */
  totalBytes: number;
  totalGzipBytes: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** The hash of everything the bundle is built from. */
export function sourcesHash(): string {
  const hash = createHash('sha256');
  const inputs = [...filesUnder(join(WEB_CLIENT_DIR, 'src')).filter((f) => !f.endsWith('.test.ts')), join(WEB_CLIENT_DIR, 'index.html'), join(WEB_CLIENT_DIR, 'vite.config.ts'), join(ROOT, 'package-lock.json')].sort();
  for (const file of inputs) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** The last build's report, or null when there is none. */
export function readBuildReport(): BuildReport | null {
  try {
    return JSON.parse(readFileSync(BUILD_FILE, 'utf8')) as BuildReport;
  } catch {
    return null;
  }
}

/** The sizes of the built scripts and styles. */
function bundleFiles(): BundleFile[] {
  return filesUnder(DIST_DIR)
    .filter((f) => /\.(js|css|html)$/.test(f))
    .map((f) => {
      const body = readFileSync(f);
      return { file: relative(DIST_DIR, f), bytes: body.byteLength, gzipBytes: gzipSync(body).byteLength };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

/** Builds when the sources changed since the last build (or when `force`); resolves with the report. */
export async function ensureWebClientBuilt({ force = false, log = console.log }: { force?: boolean; log?: (line: string) => void } = {}): Promise<{ built: boolean; report: BuildReport }> {
  const hash = sourcesHash();
  const previous = readBuildReport();
  if (!force && previous?.sourcesHash === hash && existsSync(join(DIST_DIR, 'index.html'))) return { built: false, report: previous };
  const started = Date.now();
  const { build } = await import('vite');
  // Vite picks React's and the chart libraries' production builds from NODE_ENV; vitest sets it to `test`.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_CLIENT_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const files = bundleFiles();
  const report: BuildReport = {
    sourcesHash: hash,
    builtAt: new Date().toISOString(),
    files,
    totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
  writeFileSync(BUILD_FILE, `${JSON.stringify(report, null, 2)}\n`);
  log(`web client built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${formatReport(report)}`);
  return { built: true, report };
}

export function formatReport(report: BuildReport): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const lines = report.files.map((f) => `  ${f.file.padEnd(36)} ${kb(f.bytes).padStart(10)}  gzip ${kb(f.gzipBytes).padStart(9)}`);
  return `bundle ${kb(report.totalBytes)} (gzip ${kb(report.totalGzipBytes)})\n${lines.join('\n')}`;
}

/** Whether the built app is there (the API serves a hint at / when not). */
export function webClientBuilt(): boolean {
  return existsSync(join(DIST_DIR, 'index.html')) && statSync(join(DIST_DIR, 'index.html')).isFile();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { built, report } = await ensureWebClientBuilt({ force: process.argv.includes('--force') });
  if (!built) console.log(`web client up to date: ${formatReport(report)}`);
}
