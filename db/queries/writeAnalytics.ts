/**
 * Storing `market.analytics` messages (core/analyticsMessage.ts): one row per
 * message in analytics_chain, one per symbol and instant in analytics_mood,
 * one per strike and side in analytics_flows, one per event in
 * analytics_events. Every statement is idempotent on the tables' natural
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

/**
 * Which messages' per-strike flows are stored: at most one per chain every
 * `everyMs` of snapshot time. The flow rows are most of what a message
 * writes (two per strike), and their velocities move over minutes, so a
 * feed faster than that would mostly store near-repeats; optionFlow serves
 * the latest stored ones.
 */
export class FlowSampler {
  private readonly last = new Map<string, number>();
  constructor(readonly everyMs: number) {}

  /** Whether this message's flows are due (and, if so, marks them taken). */
  due(message: AnalyticsMessage): boolean {
    const key = `${message.symbol}|${message.expiry}`;
    const last = this.last.get(key);
    if (last !== undefined && message.timestamp >= last && message.timestamp - last < this.everyMs) return false;
    // One entry per chain seen; expired chains are forgotten once there are many.
    if (this.last.size >= 1_000) for (const [k, t] of this.last) if (message.timestamp - t > 86_400_000) this.last.delete(k);
    this.last.set(key, message.timestamp);
    return true;
  }
}

/** Told the span of each batch written (DatabaseHandle.backfill). */
export interface WrittenSpans {
  note(fromMs: number, toMs: number): void;
}

/**
 * Writes a batch of messages; `snapshots` counts messages, `quotes` the flow
 * rows (of the messages `flows` lets through: all without it). Once written,
 * the batch's first and last instants go to `written`.
 */
export async function writeAnalytics(db: Database, messages: readonly AnalyticsMessage[], flows?: FlowSampler, written?: WrittenSpans | null): Promise<WriteResult> {
  if (messages.length === 0) return { snapshots: 0, quotes: 0 };
  const chainRows = messages.map((m) => ({
    ts: new Date(m.timestamp),
    symbol: m.symbol,
    expiry: m.expiry,
    session_date: m.sessionDate,
    spot: m.chain.spot,
    liquidity_index: finite(m.chain.liquidity.index),
    intelligence: m.chain,
  }));
  // One mood row per (symbol, instant): the batch's last message of it, as the module comment says.
  const moods = new Map<string, AnalyticsMessage>();
  for (const m of messages) moods.set(`${m.symbol}|${m.timestamp}`, m);
  const moodRows = [...moods.values()].map((m) => ({
    ts: new Date(m.timestamp),
    symbol: m.symbol,
    session_date: m.sessionDate,
    spot: m.symbolIntelligence.spot,
    vix: finite(m.symbolIntelligence.vix),
    mood_index: finite(m.symbolIntelligence.mood.index),
    vpin: finite(m.symbolIntelligence.toxicity.vpin),
    intelligence: m.symbolIntelligence,
  }));
  const flowRows = messages.flatMap((m) =>
    (flows && !flows.due(m) ? [] : m.flows).flatMap((row) =>
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
        mood_index = excluded.mood_index, vpin = excluded.vpin, intelligence = excluded.intelligence`);
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
