/**
 * The analytics role: a thin loop around the market-intelligence reducers
 * (core/intelligence). It consumes `market.enriched`, folds each snapshot into
 * state kept per (symbol, expiry) and per symbol for the current IST session,
 * and publishes what comes out on `market.analytics`, keyed by symbol (so on
 * Kafka one partition, hence one consumer, holds a symbol's whole state).
 * The storage role stores those messages; the API fans them out to
 * subscribers.
 *
 * Restart: the reducers are pure, so replaying a session's snapshots in order
 * rebuilds the same state. On start, before it consumes anything, the role
 * replays the stored snapshots of the latest stored session (bounded to
 * `rebuild.maxSnapshots`, the latest ones when there are more; progress
 * logged) without publishing; a mid-session restart then changes no output.
 * Snapshots the bus delivers again after a restart (at-least-once) are no
 * newer than the rebuilt state and are skipped by the reducer as out of order.
 */
import {
  chainFlows,
  createIntelligenceState,
  reduce,
  type IntelligenceConfigInput,
  type IntelligenceState,
  type SkipReason,
  type SnapshotInputs,
} from '../core/intelligence/index.ts';
import { istDate } from '../core/time/expiry.ts';
import { ANALYTICS_MESSAGE_VERSION, type AnalyticsMessage } from '../core/analyticsMessage.ts';
import { parseEnrichedSnapshot, type EnrichedSnapshot } from '../core/models.ts';
import { TOPICS, type Bus, type BusMessage } from './bus.ts';
import { inSpan, traceHeaders } from './traceContext.ts';
import { progressOf } from '../core/progress.ts';

/** Where the role finds the snapshots to replay on start (db/queries/sessionSnapshots.ts behind it). */
export interface SnapshotHistory {
  /** The latest stored session: how many snapshots it has and how many a replay bounded to `maxSnapshots` reads. */
  plan(maxSnapshots: number): Promise<{ sessionDate: string; stored: number; replayed: number; read(): AsyncIterable<EnrichedSnapshot[]> } | null>;
}

export interface RebuildProgress {
  sessionDate: string;
  replayed: number;
  total: number;
  /** Snapshots of the session left out by the bound (the oldest ones). */
  leftOut: number;
  ms: number;
  /** Seconds left at the pace so far (core/progress.ts), null before the first snapshot. */
  etaSeconds: number | null;
}

export interface AnalyticsOptions {
  /** Overrides of the reducers' defaults (core/intelligence/config.ts). */
  intelligence?: IntelligenceConfigInput;
  /** Replays the latest stored session on start (see the module comment). */
  rebuild?: {
    history: SnapshotHistory;
    maxSnapshots: number;
    /** Called every `progressEvery` snapshots (default 1000) and at the end. */
    onProgress?: (progress: RebuildProgress, done: boolean) => void;
    progressEvery?: number;
  };
  /**
   * Inputs beyond the snapshot for a session (FII positioning from the
   * imported participant data); the same for every snapshot of a session, so
   * the rebuild passes what the live role passed.
   */
  inputs?: (sessionDate: string) => Promise<SnapshotInputs>;
  /** Called with every message before it is published (tests, metrics). */
  onMessage?: (message: AnalyticsMessage) => void;
  /** A snapshot the reducer could not read (thrown by `reduce`); it is counted and skipped. */
  onError?: (snapshot: EnrichedSnapshot, error: unknown) => void;
}

export interface AnalyticsStats {
  /** Snapshots folded in that produced a message. */
  analysed: number;
  /** Snapshots the reducer skipped, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Snapshots the reducer refused as unreadable. */
  failed: number;
  events: number;
  /** Snapshots replayed by the start-up rebuild. */
  rebuilt: number;
  lastAnalysedAt: number | null;
}

export interface AnalyticsRole {
  stats: AnalyticsStats;
  /** The reducers' state (read-only for callers: views such as chainFlows take it). */
  state: IntelligenceState;
  stop(): Promise<void>;
}

/**
 * Folds one snapshot into `state`; the message it produces, or null when the
 * reducer skipped it (the reason counted in `stats`).
 */
export function analyseSnapshot(state: IntelligenceState, snapshot: EnrichedSnapshot, stats: AnalyticsStats, inputs?: SnapshotInputs): AnalyticsMessage | null {
  const { outputs } = reduce(state, snapshot, inputs);
  if (outputs.skipped !== null || outputs.chain === null || outputs.symbol === null) {
    const reason = outputs.skipped ?? 'out_of_order';
    stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
    return null;
  }
  return {
    version: ANALYTICS_MESSAGE_VERSION,
    snapshotId: snapshot.id,
    symbol: snapshot.symbol,
    expiry: snapshot.expiry,
    timestamp: snapshot.timestamp,
    processedAt: snapshot.processedAt,
    sessionDate: outputs.chain.sessionDate,
    chain: outputs.chain,
    symbolIntelligence: outputs.symbol,
    flows: chainFlows(state, snapshot.symbol, snapshot.expiry) ?? [],
    events: outputs.events,
  };
}

export function emptyAnalyticsStats(): AnalyticsStats {
  return { analysed: 0, skipped: {}, failed: 0, events: 0, rebuilt: 0, lastAnalysedAt: null };
}

/** Consumes `market.enriched` (group `analytics`) and publishes `market.analytics`, after rebuilding its state when asked. */
export async function startAnalytics(bus: Bus, options: AnalyticsOptions = {}): Promise<AnalyticsRole> {
  const state = createIntelligenceState(options.intelligence);
  const stats = emptyAnalyticsStats();
  if (options.rebuild) await rebuild(state, options.rebuild, stats, options.inputs);

  const handle = async (message: BusMessage<EnrichedSnapshot>) => {
    // An invalid envelope throws and is dead-lettered alone (see Bus).
    const snapshot = parseEnrichedSnapshot(message.value);
    let analysed: AnalyticsMessage | null;
    const inputs = options.inputs ? await options.inputs(istDate(snapshot.timestamp)) : undefined;
    try {
      analysed = analyseSnapshot(state, snapshot, stats, inputs);
    } catch (error) {
      // A snapshot the reducer cannot read (RangeError) must not stop the role; the processor's checks make it rare.
      stats.failed++;
      options.onError?.(snapshot, error);
      return;
    }
    if (analysed === null) return;
    stats.analysed++;
    stats.events += analysed.events.length;
    stats.lastAnalysedAt = Date.now();
    options.onMessage?.(analysed);
    await bus.publish(TOPICS.analytics, analysed.symbol, analysed, traceHeaders());
  };
  const subscription = await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'analytics', (message) =>
    inSpan('analytics.analyse', message, { 'messaging.source': TOPICS.enriched }, () => handle(message)),
  );
  return { stats, state, stop: () => subscription.unsubscribe() };
}

/** Whole seconds, or null. */
const eta = (seconds: number | null) => (seconds === null ? null : Math.round(seconds));

async function rebuild(state: IntelligenceState, options: NonNullable<AnalyticsOptions['rebuild']>, stats: AnalyticsStats, inputsOf?: AnalyticsOptions['inputs']): Promise<void> {
  const started = performance.now();
  const plan = await options.history.plan(options.maxSnapshots);
  if (plan === null) return;
  const every = options.progressEvery ?? 1_000;
  const progress = (): RebuildProgress => ({
    sessionDate: plan.sessionDate,
    replayed: stats.rebuilt,
    total: plan.replayed,
    leftOut: plan.stored - plan.replayed,
    ms: Math.round(performance.now() - started),
    etaSeconds: eta(progressOf(stats.rebuilt, plan.replayed, performance.now() - started).etaSeconds),
  });
  let nextReport = every;
  // Outputs are dropped: they were published (and stored) when these snapshots first came through.
  const inputs = inputsOf ? await inputsOf(plan.sessionDate) : undefined;
  for await (const page of plan.read()) {
    for (const snapshot of page) {
      try {
        reduce(state, snapshot, inputs);
      } catch {
        // Unreadable for the reducer: the live role skipped it too.
      }
      stats.rebuilt++;
      if (stats.rebuilt >= nextReport) {
        options.onProgress?.(progress(), false);
        nextReport += every;
      }
    }
  }
  options.onProgress?.(progress(), true);
}
