import { describe, expect, it } from 'vitest';
import { simulatedInstitutionalFiles, tradingDaysBack } from './participantFiles.ts';
import { parseImportFile, type ParticipantPosition } from './participants.ts';

describe('simulated institutional files', () => {
  const days = tradingDaysBack('2026-10-09', 5);
  const files = simulatedInstitutionalFiles(days, 7);

  it('are a participant file per trading day and one FII/DII file, in the real formats, the same for a seed', () => {
    expect(days).toEqual(['2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09']);
    expect(files.map((f) => f.name)).toEqual([...days.map((d) => `fao_participant_oi_${d.slice(8)}${d.slice(5, 7)}${d.slice(0, 4)}.csv`), 'fii_dii_05102026_09102026.json']);
    expect(simulatedInstitutionalFiles(days, 7)).toEqual(files);
    const cash = parseImportFile(files.at(-1)!.name, files.at(-1)!.text);
    expect(cash).toMatchObject({ kind: 'cashFlows', dates: days });
  });

  it('balance the market: per class the longs equal the shorts, the TOTAL row sums the participants', () => {
    for (const file of files.slice(0, -1)) {
      const parsed = parseImportFile(file.name, file.text);
      if (parsed.kind !== 'participantOi') throw new Error('not a participant file');
      const total = parsed.rows.find((r) => r.participant === 'Total')!;
      const others = parsed.rows.filter((r) => r.participant !== 'Total');
      for (const key of Object.keys(total) as (keyof ParticipantPosition)[]) {
        if (key === 'date' || key === 'participant') continue;
        expect(others.reduce((n, r) => n + (r[key] as number), 0)).toBe(total[key]);
      }
      expect(total.futureIndexLong).toBe(total.futureIndexShort);
      expect(total.optionIndexPutLong).toBe(total.optionIndexPutShort);
      expect(total.totalLong).toBe(total.totalShort);
      const fii = others.find((r) => r.participant === 'FII')!;
      expect(fii.futureIndexLong).toBeGreaterThan(50_000);
      expect(fii.futureIndexLong).toBeLessThan(500_000);
    }
  });
});
