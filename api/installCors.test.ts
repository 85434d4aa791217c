import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { installCors, isAllowedOrigin } from './installCors.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const corsHeaders = async (env: Record<string, string>, origin: string, method = 'POST') => {
  const yoga = yogaWith([installCors(loadConfig(env))]);
  const init = method === 'OPTIONS' ? { method, headers: { origin, 'access-control-request-method': 'POST' } } : post({ query: '{ symbols { symbol } }' }, { origin });
  const response = await yoga.fetch('http://localhost/graphql', init, fromClient('192.0.2.1'));
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));
};

describe('installCors', () => {
  it('gives no origin CORS access by default, least of all with credentials (Yoga reflects any origin)', async () => {
    expect(await corsHeaders({}, 'http://evil.example')).toEqual({});
    expect(await corsHeaders({}, 'http://evil.example', 'OPTIONS')).toEqual({});
  });

  it('answers a listed origin with itself and no credentials, and an unlisted one with nothing', async () => {
    const env = { CORS_ORIGINS: 'https://app.example,https://other.example' };
    expect(await corsHeaders(env, 'https://app.example')).toMatchObject({ 'access-control-allow-origin': 'https://app.example' });
    expect(await corsHeaders(env, 'https://app.example')).not.toHaveProperty('access-control-allow-credentials');
    expect(await corsHeaders(env, 'https://app.example', 'OPTIONS')).toMatchObject({ 'access-control-allow-methods': 'GET, POST', 'access-control-max-age': '600' });
    expect(await corsHeaders(env, 'http://evil.example')).toEqual({});
  });

  it('allows credentials only when CORS_CREDENTIALS=true', async () => {
    expect(await corsHeaders({ CORS_ORIGINS: 'https://app.example', CORS_CREDENTIALS: 'true' }, 'https://app.example')).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
    });
  });

  it('lets a WebSocket in without an Origin, from the page itself or a listed origin, and not from another page', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example' });
    expect(isAllowedOrigin(config, undefined, 'api.example:4000')).toBe(true);
    expect(isAllowedOrigin(config, 'http://api.example:4000', 'api.example:4000')).toBe(true);
    expect(isAllowedOrigin(config, 'https://app.example', 'api.example:4000')).toBe(true);
    expect(isAllowedOrigin(config, 'http://evil.example', 'api.example:4000')).toBe(false);
    expect(isAllowedOrigin(config, 'not a url', 'api.example:4000')).toBe(false);
  });
});
