import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from './connectionBudget.ts';

describe('ConnectionBudget', () => {
  it('admits a client up to its own limit, then refuses it while others still get in', () => {
    const budget = new ConnectionBudget({ total: 10, perClient: 2 });
    expect(budget.admit('a').admitted).toBe(true);
    expect(budget.admit('a').admitted).toBe(true);
    expect(budget.admit('a')).toEqual({ admitted: false, refusal: 'client' });
    expect(budget.admit('b').admitted).toBe(true);
    expect(budget.count('a')).toBe(2);
    expect(budget.count()).toBe(3);
  });

  it('refuses everyone once the total is reached', () => {
    const budget = new ConnectionBudget({ total: 2, perClient: 2 });
    budget.admit('a');
    budget.admit('b');
    expect(budget.admit('c')).toEqual({ admitted: false, refusal: 'total' });
  });

  it('frees the place on release, once however often release is called', () => {
    const budget = new ConnectionBudget({ total: 5, perClient: 1 });
    const first = budget.admit('a');
    if (!first.admitted) throw new Error('not admitted');
    first.release();
    first.release();
    expect(budget.count()).toBe(0);
    expect(budget.clients).toBe(0);
    const second = budget.admit('a');
    expect(second.admitted).toBe(true);
    expect(budget.admit('a')).toEqual({ admitted: false, refusal: 'client' });
    expect(budget.count()).toBe(1);
  });
});
