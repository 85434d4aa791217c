/**
 * The HTTP read benchmark still runs end to end against the real server (a
 * tiny run; no timing is asserted: figures belong to `npm run bench`).
 */
import { describe, expect, it } from 'vitest';
import { answered, requestBody, runReadsBench } from './reads.ts';

describe('the HTTP read benchmark', () => {
  it('sends a fresh instant per past read, inside the stored range', () => {
    const first = Date.UTC(2026, 10, 23, 4, 0);
    const now = first + 3_600_000;
    const instants = [0, 1, 2, 3].map((i) => Date.parse(JSON.parse(requestBody('at', ['2026-11-24', '2026-12-01'], first, i, now)).variables.at));
    expect(new Set(instants).size).toBe(4);
    for (const at of instants) expect(at >= first && at <= now).toBe(true);
    expect(answered('{"data":{"optionChain":null},"errors":[{"message":"NO_DATA"}]}')).toBe(false);
    expect(answered('{"data":{"chainHistory":[]}}')).toBe(true);
  });

  it('runs every read through to its figures on a tiny load, without errors', async () => {
    const result = await runReadsBench({ backend: process.env.DATABASE_URL ? 'postgres' : 'embedded', historyMinutes: 2, seconds: 1, connections: [2] });
    expect(result.rows.map((r) => r.read)).toEqual(['latest', 'at', 'history']);
    for (const row of result.rows) {
      expect(row.requests).toBeGreaterThan(0);
      expect(row.errors, row.firstError).toBe(0);
    }
  }, 120_000);
});
