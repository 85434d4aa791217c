import { describe, expect, it } from 'vitest';
import { normTail, TABLE_LIMIT } from './normTail.ts';
import { normCdf } from './normal.ts';

// Φ(−a) computed with mpmath at 50 significant digits (ncdf), rounded to double.
const REFERENCE_TAIL: [number, number][] = [
  [0, 0.5],
  [1e-10, 0.49999999996010575],
  [0.03125, 0.4875350825656229],
  [0.1, 0.460172162722971],
  [0.5, 0.3085375387259869],
  [0.703125, 0.24098892676329278],
  [1, 0.15865525393145705],
  [1.30213, 0.09643597465726164],
  [1.471599, 0.07056459788828529],
  [1.5, 0.06680720126885807],
  [1.857242, 0.03163836601935339],
  [2, 0.02275013194817921],
  [2.139075, 0.01621479737250184],
  [2.251629, 0.012172863423195993],
  [2.305586, 0.01056688814936069],
  [2.5, 0.006209665325776135],
  [2.590085, 0.004797611822403463],
  [2.946568, 0.0016066088039086493],
  [3, 0.0013498980316300946],
  [3.99999, 3.167258016214396e-5],
  [4, 3.1671241833119924e-5],
  [4.315803, 7.951187733038635e-6],
  [5, 2.866515718791939e-7],
  [5.313148, 5.3873729015477826e-8],
  [6, 9.86587645037698e-10],
  [6.840819, 3.9370847364415626e-12],
  [6.85258, 3.626490011726659e-12],
  [7, 1.279812543885835e-12],
  [7.340236, 1.0660877559099835e-13],
  [8, 6.220960574271784e-16],
  [8.376565, 2.7247401924508142e-17],
  [8.49, 1.0331854986168628e-17],
  [8.493362, 1.003718985532396e-17],
  [8.5, 9.479534822203318e-18],
  [9, 1.1285884059538405e-19],
  [9.96875, 1.0442028191082503e-23],
  [10, 7.619853024160525e-24],
  [12, 1.776482112077679e-33],
  [20, 2.7536241186062337e-89],
  [37, 5.725571222524577e-300],
];

const ulps = (value: number, expected: number) => Math.abs(value - expected) / (expected * Number.EPSILON);

describe('normTail, the upper tail Φ(−a) without an exponential', () => {
  it('matches Φ(−a) computed to 50 digits within 8 ulps over its table, and the erfcx formula beyond it', () => {
    for (const [a, expected] of REFERENCE_TAIL) {
      if (a < TABLE_LIMIT) expect(ulps(normTail(a), expected), `a = ${a}`).toBeLessThanOrEqual(8);
      else expect(Math.abs(normTail(a) / expected - 1), `a = ${a}`).toBeLessThan(1e-13);
    }
  });

  it('agrees with 1 − Φ(a) from normCdf (erfcx and an exponential) within their errors on a grid crossing every piece boundary', () => {
    // normCdf's e^{−a²/2} of a rounded a²/2 is itself off by up to ~a²/2 ulps.
    for (let i = 0; i <= 7 * 32 * TABLE_LIMIT; i++) {
      const a = i / (7 * 32);
      expect(ulps(normTail(a), normCdf(-a)), `a = ${a}`).toBeLessThanOrEqual(16 + a * a);
    }
  });

  it('takes a negative argument (the CDF above ½) and NaN by the formula', () => {
    expect(normTail(-1)).toBeCloseTo(0.8413447460685429, 15);
    expect(normTail(-1e-12) + normTail(1e-12)).toBeCloseTo(1, 15);
    expect(normTail(NaN)).toBeNaN();
  });
});
