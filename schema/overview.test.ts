import { describe, expect, it } from 'vitest';
import { topOiChanges } from './overview.ts';
import type { EnrichedQuote, EnrichedSnapshot } from '../core/models.ts';

const quote = (oi: number, oiChange: number | null) => ({ oi, oiChange }) as EnrichedQuote;

describe('topOiChanges', () => {
  it('ranks both sides by the size of their OI change, building or unwinding, largest first, skipping sides without one', () => {
    const rows = [
      { strike: 100, call: quote(500, 40), put: quote(900, -300) },
      { strike: 200, call: quote(800, 120), put: null },
      { strike: 300, call: quote(10, null), put: quote(70, 120) },
    ];
    const chain = { rows } as unknown as EnrichedSnapshot;
    expect(topOiChanges(chain, 3)).toEqual([
      { strike: 100, side: 'put', oiChangeContracts: -300, oiContracts: 900 },
      { strike: 200, side: 'call', oiChangeContracts: 120, oiContracts: 800 },
      { strike: 300, side: 'put', oiChangeContracts: 120, oiContracts: 70 },
    ]);
    expect(topOiChanges(chain, 10)).toHaveLength(4);
  });
});
