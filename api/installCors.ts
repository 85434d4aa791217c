/**
 * Cross-origin access from browsers: only the origins in CORS_ORIGINS (none
 * by default; `*` for any) get CORS headers, each answered with its own
 * origin, and credentials (cookies, HTTP authentication) only with
 * CORS_CREDENTIALS=true. Another origin gets no CORS headers at all, so the
 * browser keeps the response from its page. (Yoga's default reflects any
 * origin and allows credentials.)
 *
 * Browsers do not apply CORS to WebSockets, so the WebSocket upgrade checks
 * the Origin header itself (isAllowedOrigin): the page's own origin, a listed
 * one, or none (a non-browser client).
 */
import type { Config } from '../core/config.ts';
import type { Installation } from './installation.ts';

type CorsConfig = Pick<Config, 'CORS_ORIGINS' | 'CORS_CREDENTIALS'>;

export function installCors(config: CorsConfig): Installation {
  return {
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !listed(config, origin)) return false;
      return { origin: [origin], credentials: config.CORS_CREDENTIALS, methods: ['GET', 'POST'], maxAge: 600 };
    },
  };
}

/** Whether a request with this Origin header (a WebSocket upgrade) may proceed; `host` is its Host header. */
export function isAllowedOrigin(config: CorsConfig, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (listed(config, origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function listed(config: CorsConfig, origin: string): boolean {
  return config.CORS_ORIGINS.includes('*') || config.CORS_ORIGINS.includes(origin);
}
