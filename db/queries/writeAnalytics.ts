/**
 * Storing `market.analytics` messages (core/analyticsMessage.ts): a row in
 * analytics_chain and one per strike and side in analytics_flows for each
 * message the cadence lets through (AnalyticsCadence below), one per symbol
 * and instant in analytics_mood (its document at the same cadence), one per
 * event in analytics_events. Every statement is idempotent on the tables' natural
 * keys, so a batch retried after a failure part-way (the storage role retries
 * until stored) ends with each row exactly once. A chain row, flow row or
 * event already stored is kept; a mood row is replaced, because when several
 * expiries of a symbol share an instant the later message has folded in more
 * of that instant's volume and its mood is the one to keep.
 *
 * A written batch's time span is told to `written` (the database's
 * AggregateBackfill, db/aggregateBackfill.ts), as the snapshot writes tell
 * theirs: analytics written older than the mood aggregates' refresh windows
 * (a replay keeps the recording's instants) are refreshed into them too.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import type { AnalyticsMessage } from '../../core/analyticsMessage.ts';
import type { IntelligenceEvent } from '../../core/intelligence/index.ts';
import type { WriteResult } from './writeSnapshots.ts';

/** Rows per INSERT (one JSON parameter each), so one statement stays a few MB at most. */
const ROWS_PER_STATEMENT = 2_000;

/** What makes an event unique within its symbol and instant. */
export function eventKey(event: IntelligenceEvent): string {
  return `${event.kind}|${event.expiry ?? ''}|${event.strike ?? ''}|${event.side ?? ''}`;
}

/** Whether a message's documents are stored: its chain document with its flow rows, and its mood document. */
export interface StoredDocuments {
  chain: boolean;
  mood: boolean;
}

/**
 * Which messages' documents are stored (ANALYTICS_STORE_INTERVAL_SECONDS):
 * per chain, a chain document and its per-strike flow rows at most once every
 * `everyMs` of snapshot time, and per symbol a mood document likewise. The
 * documents are most of what a message writes (~73 KB of JSON at 41 strikes,
 * 59 KB of it flow rows), nothing reads an old one but as "the latest" (the
 * API keeps the latest of each in memory, api/latestAnalytics.ts), and
 * retention thins them to one per 5 minutes anyway (thinAnalytics.ts). So:
 * - a chain's and a symbol's first message is stored, then the first at least
 *   `everyMs` after the last stored one;
 * - a message older than the last stored one of its chain (a spool replayed
 *   after an outage, a recording replayed) is stored: the cadence is for the
 *   live stream;
 * - a message not stored is held as its chain's (symbol's) latest;
 *   `takeHeld` hands over those no newer message followed for a while (the
 *   last output before a session's close, an expiry, a stop), so the last
 *   state of a chain is stored;
 * - a mood row is stored for every symbol and instant all the same, without
 *   its document when not due: moodHistory's buckets average its columns.
 * A message asked about again (a batch retried after a failure) gets the
 * same answer. `everyMs` 0 stores every document.
 */
export class AnalyticsCadence {
  /** Snapshot instant (epoch ms) of the last document stored, per chain (`symbol|expiry`) and per symbol (mood). */
  private readonly lastChain = new Map<string, number>();
  private readonly lastMood = new Map<string, number>();
  /** The latest message whose document was not stored, with when it was held (wall clock, epoch ms). */
  private readonly heldChains = new Map<string, { message: AnalyticsMessage; since: number }>();
  private readonly heldMoods = new Map<string, { message: AnalyticsMessage; since: number }>();
  private readonly decided = new WeakMap<AnalyticsMessage, StoredDocuments>();

  constructor(
    readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Which of the message's documents are due (and, if so, marks them taken). */
  decide(message: AnalyticsMessage): StoredDocuments {
    const known = this.decided.get(message);
    if (known) return known;
    const decision = { chain: this.due(this.lastChain, this.heldChains, `${message.symbol}|${message.expiry}`, message), mood: this.due(this.lastMood, this.heldMoods, message.symbol, message) };
    this.decided.set(message, decision);
    return decision;
  }

  /**
   * The held messages (see the class comment) that no newer message of their
   * chain or symbol followed for `quietMs` of wall time (every one with 0),
   * taken out: their documents are due now. Write them with `allDue`.
   */
  takeHeld(quietMs: number): AnalyticsMessage[] {
    const before = this.now() - quietMs;
    const out = new Set<AnalyticsMessage>();
    for (const [held, last] of [
      [this.heldChains, this.lastChain],
      [this.heldMoods, this.lastMood],
    ] as const) {
      for (const [key, { message, since }] of held) {
        if (since > before) continue;
        held.delete(key);
        last.set(key, Math.max(last.get(key) ?? -Infinity, message.timestamp));
        out.add(message);
      }
    }
    return [...out];
  }

  private due(last: Map<string, number>, held: Map<string, { message: AnalyticsMessage; since: number }>, key: string, message: AnalyticsMessage): boolean {
    const t = message.timestamp;
    const previous = last.get(key);
    // The same instant as the last stored (another expiry of the symbol's instant) is stored too: the later message's mood is the one kept.
    const due = this.everyMs === 0 || previous === undefined || t <= previous || t - previous >= this.everyMs;
    if (!due) {
      const heldNow = held.get(key);
      if (!heldNow || heldNow.message.timestamp <= t) held.set(key, { message, since: this.now() });
      return false;
    }
    if (previous === undefined || t > previous) {
      // One entry per chain seen; chains not seen for a day (expired) are forgotten once there are many.
      if (last.size >= 1_000) for (const [k, at] of last) if (t - at > 86_400_000) last.delete(k);
      last.set(key, t);
      if ((held.get(key)?.message.timestamp ?? Infinity) <= t) held.delete(key);
    }
    return true;
  }
}

/** A cadence that stores every document (takeHeld's messages, tests). */
export const allDue = { decide: (): StoredDocuments => ({ chain: true, mood: true }) };

/** Told the span of each batch written (DatabaseHandle.backfill). */
export interface WrittenSpans {
  note(fromMs: number, toMs: number): void;
}

/**
 * Writes a batch of messages: every event and mood row, and the documents
 * (chain rows, flow rows, mood documents) `cadence` says are due (all
 * without it). `snapshots` counts messages, `quotes` the flow rows. Once
 * written, the batch's first and last instants go to `written`.
 */
export async function writeAnalytics(
  db: Database,
  messages: readonly AnalyticsMessage[],
  cadence: Pick<AnalyticsCadence, 'decide'> = allDue,
  written?: WrittenSpans | null,
): Promise<WriteResult> {
  if (messages.length === 0) return { snapshots: 0, quotes: 0 };
  const decisions = messages.map((m) => cadence.decide(m));
  const documented = messages.filter((_, i) => decisions[i].chain);
  const chainRows = documented.map((m) => ({
    ts: new Date(m.timestamp),
    symbol: m.symbol,
    expiry: m.expiry,
    session_date: m.sessionDate,
    spot: m.chain.spot,
    liquidity_index: finite(m.chain.liquidity.index),
    intelligence: m.chain,
  }));
  // One mood row per (symbol, instant): the batch's last message of it, as the module comment says.
  const moods = new Map<string, { m: AnalyticsMessage; documented: boolean }>();
  messages.forEach((m, i) => moods.set(`${m.symbol}|${m.timestamp}`, { m, documented: decisions[i].mood }));
  const moodRows = [...moods.values()].map(({ m, documented }) => ({
    ts: new Date(m.timestamp),
    symbol: m.symbol,
    session_date: m.sessionDate,
    spot: m.symbolIntelligence.spot,
    vix: finite(m.symbolIntelligence.vix),
    mood_index: finite(m.symbolIntelligence.mood.index),
    vpin: finite(m.symbolIntelligence.toxicity.vpin),
    intelligence: documented ? m.symbolIntelligence : null,
  }));
  const flowRows = documented.flatMap((m) =>
    m.flows.flatMap((row) =>
      (['call', 'put'] as const).map((name) => {
        const side = row[name];
        return {
          ts: new Date(m.timestamp),
          symbol: m.symbol,
          expiry: m.expiry,
          strike: row.strike,
          option_type: name === 'call' ? 'CE' : 'PE',
          oi: finite(side.oiContracts),
          change_since_previous_close: finite(side.changeSincePreviousCloseContracts),
          change_since_open: finite(side.changeSinceOpenContracts),
          windows: side.windows,
          buildups: side.buildups,
        };
      }),
    ),
  );
  const events = new Map<string, { ts: Date; symbol: string; eventKey: string } & Omit<IntelligenceEvent, 'timestamp'>>();
  for (const m of messages) {
    for (const e of m.events) {
      const key = eventKey(e);
      events.set(`${e.symbol}|${e.timestamp}|${key}`, { ...e, ts: new Date(e.timestamp), eventKey: key, values: finiteValues(e.values) });
    }
  }
  const eventRows = [...events.values()].map(({ ts, symbol, eventKey: key, kind, expiry, strike, side, score, reason, values }) => ({
    ts,
    symbol,
    event_key: key,
    kind,
    expiry,
    strike,
    side,
    score: Number.isFinite(score) ? score : 0,
    reason,
    values,
  }));

  // Each table's rows go as one JSON parameter unpacked by json_to_recordset: Drizzle building a
  // multi-row VALUES list (a parameter and its mapping per cell) cost more CPU than the reducer itself.
  for (const rows of chunks(chainRows)) {
    await db.execute(sql`
      insert into analytics_chain (ts, symbol, expiry, session_date, spot, liquidity_index, intelligence)
      select ts, symbol, expiry, session_date, spot, liquidity_index, intelligence
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(ts timestamptz, symbol text, expiry date, session_date date, spot double precision, liquidity_index double precision, intelligence jsonb)
      on conflict do nothing`);
  }
  for (const rows of chunks(moodRows)) {
    await db.execute(sql`
      insert into analytics_mood (ts, symbol, session_date, spot, vix, mood_index, vpin, intelligence)
      select ts, symbol, session_date, spot, vix, mood_index, vpin, intelligence
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(ts timestamptz, symbol text, session_date date, spot double precision, vix double precision, mood_index double precision, vpin double precision, intelligence jsonb)
      on conflict (symbol, ts) do update set
        session_date = excluded.session_date, spot = excluded.spot, vix = excluded.vix,
        mood_index = excluded.mood_index, vpin = excluded.vpin,
        -- A row written without its document (not due) never drops one stored at the same instant.
        intelligence = coalesce(excluded.intelligence, analytics_mood.intelligence)`);
  }
  for (const rows of chunks(flowRows)) {
    await db.execute(sql`
      insert into analytics_flows (ts, symbol, expiry, strike, option_type, oi, change_since_previous_close, change_since_open, windows, buildups)
      select ts, symbol, expiry, strike, option_type, oi, change_since_previous_close, change_since_open, windows, buildups
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(ts timestamptz, symbol text, expiry date, strike double precision, option_type char(2), oi double precision,
             change_since_previous_close double precision, change_since_open double precision, windows jsonb, buildups jsonb)
      on conflict do nothing`);
  }
  for (const rows of chunks(eventRows)) {
    await db.execute(sql`
      insert into analytics_events (ts, symbol, event_key, kind, expiry, strike, side, score, reason, "values")
      select ts, symbol, event_key, kind, expiry, strike, side, score, reason, "values"
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(ts timestamptz, symbol text, event_key text, kind text, expiry date, strike double precision, side text, score double precision, reason text, "values" jsonb)
      on conflict do nothing`);
  }
  if (written) {
    let [first, last] = [Infinity, -Infinity];
    for (const m of messages) [first, last] = [Math.min(first, m.timestamp), Math.max(last, m.timestamp)];
    written.note(first, last);
  }
  return { snapshots: messages.length, quotes: flowRows.length };
}

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

function finite(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

/** jsonb has no NaN or Infinity: such values are left out (the key's absence says "unknown"). */
function finiteValues(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values)) if (Number.isFinite(value)) out[key] = value;
  return out;
}
