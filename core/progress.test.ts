import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { formatSeconds, Progress, progressLine, progressOf } from './progress.ts';

describe('progressOf', () => {
  it('computes the percentage, the rate and the time left at the rate so far', () => {
    expect(progressOf(30, 120, 10_000)).toEqual({ done: 30, total: 120, percent: 25, ratePerSecond: 3, etaSeconds: 30, elapsedSeconds: 10 });
  });

  it('knows no rate before time passes and no ETA before anything is done, and none left when all is', () => {
    expect(progressOf(0, 10, 0)).toMatchObject({ ratePerSecond: null, etaSeconds: null, percent: 0 });
    expect(progressOf(0, 10, 5_000)).toMatchObject({ ratePerSecond: 0, etaSeconds: null });
    expect(progressOf(10, 10, 5_000)).toMatchObject({ etaSeconds: 0, percent: 100 });
    expect(progressOf(0, 0, 0)).toMatchObject({ percent: 100, etaSeconds: 0 });
  });
});

describe('formatSeconds', () => {
  it('writes seconds, minutes and hours compactly', () => {
    expect([formatSeconds(5), formatSeconds(65), formatSeconds(3_700), formatSeconds(null)]).toEqual(['5s', '1m05s', '1h01m', '?']);
  });
});

describe('progressLine', () => {
  it('draws the bar, the counts, the rate, the ETA and the note', () => {
    expect(progressLine('import', progressOf(30, 120, 10_000), 'a.csv', 8)).toBe('import [##......] 30/120 25% 3.0/s ETA 30s · a.csv');
    expect(progressLine('import', progressOf(120, 120, 65_000), '', 8)).toBe('import [########] 120/120 100% 1.8/s done in 1m05s');
  });
});

describe('Progress', () => {
  it('redraws one line in place on a terminal, at most every drawEveryMs, and ends it with a newline', () => {
    let now = 0;
    const written: string[] = [];
    const progress = new Progress('replay', 4, { terminal: { write: (text) => written.push(text) } }, { now: () => now, drawEveryMs: 100 });
    now = 1_000;
    progress.advance(1, 'first');
    now = 1_050;
    progress.advance(1);
    now = 2_000;
    progress.advance(2);
    progress.finish();
    expect(written).toHaveLength(2);
    expect(written[0]).toBe('\r\x1b[Kreplay [######..................] 1/4 25% 1.0/s ETA 3s · first');
    expect(written[1]).toMatch(/^\r\x1b\[Kreplay \[#{24}\] 4\/4 100% 2\.0\/s done in 2s\n$/);
  });

  it('logs structured lines at most every logEveryMs when not on a terminal, and a last one when finished', () => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', { role: 'import' }, (line) => void lines.push(JSON.parse(line)));
    const progress = new Progress('import', 100, { log }, { now: () => now, logEveryMs: 5_000 });
    for (let i = 0; i < 50; i++) {
      now += 200;
      progress.advance();
    }
    progress.finish();
    expect(lines.map((l) => l.message)).toEqual(['import progress', 'import progress', 'import finished']);
    expect(lines[1]).toMatchObject({ role: 'import', done: 26, total: 100, percent: 26, ratePerSecond: 5, etaSeconds: 15 });
    expect(lines.at(-1)).toMatchObject({ done: 50, total: 100 });
  });
});
