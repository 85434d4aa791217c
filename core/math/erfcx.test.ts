import { describe, expect, it } from 'vitest';
import libraryErfcx from '@stdlib/math-base-special-erfcx';
import { fastErfcx } from './erfcx.ts';

describe('fast erfcx', () => {
  it('agrees with the library to 8 ulps across [0, 50), including every piece boundary', () => {
    let worst = 0;
    const check = (x: number) => {
      const reference = libraryErfcx(x);
      const relative = Math.abs(fastErfcx(x) / reference - 1);
      worst = Math.max(worst, relative);
    };
    for (let i = 0; i <= 200_000; i++) check((50 * i) / 200_001);
    for (let piece = 8; piece <= 100; piece++) {
      const x = 400 / piece - 4; // y exactly on a boundary
      check(x);
      check(x * (1 + 1e-15));
    }
    // The library's own pieces join with jumps of a few ulps; a smooth fit can
    // only agree to about that.
    expect(worst).toBeLessThan(8 * Number.EPSILON);
  });

  it('matches known values: erfcx(0) = 1 and erfcx(1) = e·erfc(1) = 0.42758357615580700', () => {
    expect(Math.abs(fastErfcx(0) - 1)).toBeLessThan(4 * Number.EPSILON);
    expect(fastErfcx(1)).toBeCloseTo(0.427583576155807, 15);
  });

  it('falls back to the library outside the fast range and for NaN', () => {
    expect(fastErfcx(-1)).toBe(libraryErfcx(-1));
    expect(fastErfcx(1e6)).toBe(libraryErfcx(1e6));
    expect(fastErfcx(NaN)).toBeNaN();
  });
});
