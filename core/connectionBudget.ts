/**
 * Counts long-lived connections (WebSockets, SSE streams) per client and in
 * total, and admits a new one only while both counts are under their limits.
 * Plain logic: the caller says who the client is and calls `release` when
 * the connection ends (release is idempotent, so every way a connection can
 * end may call it).
 */

export type Admission = { admitted: true; release: () => void } | { admitted: false; refusal: 'client' | 'total' };

export interface ConnectionBudgetLimits {
  /** Connections of all clients together. */
  total: number;
  /** Connections of one client. */
  perClient: number;
}

export class ConnectionBudget {
  private readonly perClient = new Map<string, number>();
  private total = 0;

  constructor(readonly limits: Readonly<ConnectionBudgetLimits>) {}

  admit(client: string): Admission {
    const mine = this.perClient.get(client) ?? 0;
    if (this.total >= this.limits.total) return { admitted: false, refusal: 'total' };
    if (mine >= this.limits.perClient) return { admitted: false, refusal: 'client' };
    this.perClient.set(client, mine + 1);
    this.total++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = this.perClient.get(client)! - 1;
        if (left === 0) this.perClient.delete(client);
        else this.perClient.set(client, left);
      },
    };
  }

  /** Open connections, in total and of one client. */
  count(client?: string): number {
    return client === undefined ? this.total : (this.perClient.get(client) ?? 0);
  }

  /** Clients with an open connection (the map never holds a client with none). */
  get clients(): number {
    return this.perClient.size;
  }
}
