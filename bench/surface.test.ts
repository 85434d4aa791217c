/**
 * The read-surface benchmark's requests (no timing is asserted: figures
 * belong to `npm run bench`, BENCH_ONLY=surface).
 */
import { describe, expect, it } from 'vitest';
import { SURFACE_READS, surfaceRequestBody } from './surface.ts';

describe('the read-surface benchmark', () => {
  const now = Date.UTC(2026, 11, 7, 9, 0);
  const sessions = [
    { symbol: 'NIFTY', expiry: '2026-12-08', from: now - 86_400_000 - 3_600_000, to: now - 86_400_000, strike: 24_000 },
    { symbol: 'NIFTY', expiry: '2026-12-08', from: now - 3_600_000, to: now, strike: 24_050 },
  ];

  it('draws a stored session per series request, and an instant of the last 50 minutes of the latest session for oiProfile', () => {
    for (let i = 0; i < 20; i++) {
      const series = JSON.parse(surfaceRequestBody('strikeSeries', sessions, now)).variables;
      const session = sessions.find((s) => s.from === Date.parse(series.from))!;
      expect(series).toMatchObject({ symbol: 'NIFTY', expiry: '2026-12-08', strike: session.strike, to: new Date(session.to).toISOString() });
      const at = Date.parse(JSON.parse(surfaceRequestBody('oiProfile', sessions, now)).variables.at);
      expect(at > now - 50 * 60_000 && at >= sessions[1].from && at <= now).toBe(true);
    }
    expect(JSON.parse(surfaceRequestBody('chainSeries', sessions, now)).query).toMatch(/ONE_MINUTE/);
    expect(JSON.parse(surfaceRequestBody('marketOverview', sessions, now)).query).toMatch(/marketOverview/);
    expect(SURFACE_READS).toEqual(['strikeSeries', 'chainSeries', 'oiProfile', 'marketOverview']);
  });
});
