/**
 * Subscription fan-out on the embedded default (ROLE all: simulator, PGlite,
 * in-process bus, one process), with the subscribers in another process
 * (bench/clientsProcess.ts): N graphql-ws sockets, one subscription each, all
 * to the same selection of the same chain, which the simulator updates once a
 * second (SIM_TICK_MS 1000, always-open clock, every default symbol running
 * through the pipeline meanwhile).
 *
 * Latency is from the processor's publish of the enriched snapshot on the
 * in-process bus (the API's consumer takes it in a later turn of the event
 * loop and publishes it to the subscriptions) to each client's callback, on one clock
 * (performance.timeOrigin + now in both processes), over `updates` updates
 * once every client has had a first one. The simulator's lag is wall time
 * minus the simulated time of each snapshot as it is ingested, whose growth
 * over the window says whether the source kept time while delivering; the
 * API's event-loop delay (p99, max) and the CPU time its process spent per
 * update are taken over the same window (the process also runs the
 * pipeline: ten snapshots a second through the processor and storage).
 * As under `npm start`, the source runs on a thread of its own
 * (PIPELINE_THREADS=source unless the bench's environment says `on` or
 * `off`), so the lag shows whether delivery still holds the pipeline back;
 * the CPU time counts every thread of the process.
 *
 * Subscription limits are raised for the bench only (every client connects
 * from loopback, one client for the budget).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import { TOPICS } from '../pipeline/bus.ts';
import { scratchDir } from '../test/fixtures.ts';
import { forkClients, type ClientsMessage, type ClientsProcess } from './clientsProcess.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

/** Absolute time, comparable across processes. */
export const absoluteNow = () => performance.timeOrigin + performance.now();

export interface FanOutRow {
  subscribers: number;
  updates: number;
  delivered: number;
  expected: number;
  /** Error messages the subscribers received, and the distinct texts. */
  errors: number;
  errorMessages: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Subscribers that received nothing before the measured window (warm-up timed out). */
  notWarm: number;
  /** Seconds from asking for the N subscriptions to every one having had an update. */
  warmUpSeconds: number;
}

/**
 * Measures N subscribers of one query against a server: call `published`
 * with each snapshot's timestamp when the server publishes it to its
 * subscriptions.
 */
export class FanOutMeter {
  private readonly publishedAt = new Map<number, number>();
  private window: Set<number> | null = null;
  private windowFull: () => void = () => {};
  private latencies: number[] = [];
  private warm = new Set<number>();
  private errors = 0;
  private readonly errorMessages = new Set<string>();
  private closed: () => void = () => {};

  constructor(
    private readonly clients: ClientsProcess,
    private readonly updates: number,
  ) {
    clients.onMessage((message: ClientsMessage) => {
      if (message.type === 'deliveries') {
        const items = message.items;
        for (let k = 0; k < items.length; k += 3) {
          this.warm.add(items[k]);
          const published = this.publishedAt.get(items[k + 1]);
          if (this.window?.has(items[k + 1]) && published !== undefined) this.latencies.push(items[k + 2] - published);
        }
      } else if (message.type === 'error') {
        this.errors++;
        this.errorMessages.add(message.message);
      } else {
        this.closed();
      }
    });
  }

  /** The server published the snapshot of `timestamp` to its subscriptions now. */
  published(timestamp: number): void {
    this.publishedAt.set(timestamp, absoluteNow());
    // Bounded: only recent timestamps are looked up.
    if (this.publishedAt.size > 10_000) this.publishedAt.delete(this.publishedAt.keys().next().value!);
    if (this.window && this.window.size < this.updates) {
      this.window.add(timestamp);
      if (this.window.size === this.updates) this.windowFull();
    }
  }

  /** Opens `n` subscriptions of `query`, waits until each has had an update, measures `updates` updates, then closes them. */
  async measure(url: string, query: string, n: number, during?: { start(): void; stop(): void }, warmUpTimeoutMs = 300_000): Promise<FanOutRow> {
    this.latencies = [];
    this.warm = new Set();
    this.errors = 0;
    this.errorMessages.clear();
    this.window = null;
    const began = Date.now();
    this.clients.send({ type: 'open', url, query, count: n });
    // Every client connected and served once, so the window measures steady state.
    const warmDeadline = Date.now() + warmUpTimeoutMs;
    while (this.warm.size < n && Date.now() < warmDeadline && this.errors < n) await sleep(20);
    const warmUpSeconds = (Date.now() - began) / 1000;
    const filled = new Promise<void>((resolve) => (this.windowFull = resolve));
    this.window = new Set();
    during?.start();
    await filled;
    // Let the last update of the window reach everyone (or give up after 3 s).
    const expected = n * this.updates;
    const deadline = Date.now() + 3_000;
    while (this.latencies.length < expected && Date.now() < deadline) await sleep(10);
    during?.stop();
    this.window = new Set(this.window); // frozen: later updates are outside it
    const latencies = this.latencies;
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      this.clients.send({ type: 'close' });
    });
    // Let the server drop the closed sockets before the next step.
    await sleep(1_000);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      subscribers: n,
      updates: this.updates,
      delivered: latencies.length,
      expected,
      errors: this.errors,
      errorMessages: [...this.errorMessages],
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? NaN,
      notWarm: n - this.warm.size,
      warmUpSeconds,
    };
  }
}

function writeOut(samples: number[]): { writeOutP99Ms: number; writeOutMaxMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { writeOutP99Ms: percentile(sorted, 0.99), writeOutMaxMs: sorted.at(-1) ?? NaN };
}

/** The selections measured: a summary a dashboard shows, and the whole chain. */
export const SELECTIONS = {
  summary: 'timestamp spot analytics { pcrOi atmIv maxPain expectedMove }',
  'full chain':
    'timestamp spot forward analytics { pcrOi pcrVolume maxPain atmStrike atmIv straddlePrice expectedMove totalGex callWall putWall } ' +
    'rows { strike call { ltp bid ask bidQty askQty volume oi oiChange iv delta gamma theta vega } put { ltp bid ask bidQty askQty volume oi oiChange iv delta gamma theta vega } }',
} as const;
export type Selection = keyof typeof SELECTIONS;

export interface EmbeddedFanOutCase {
  selection: Selection;
  subscribers: number;
  /** p99 goal, ms. */
  targetMs: number;
}

export interface EmbeddedFanOutRow extends FanOutRow {
  selection: Selection;
  targetMs: number;
  /** Strikes of the chain subscribed to. */
  strikes: number;
  /** Where the server ran the source and the enrichment (PIPELINE_THREADS). */
  pipelineThreads: Config['PIPELINE_THREADS'];
  /** Simulator lag (wall time − simulated time at ingestion), ms: at the window's start and end, and its largest. */
  lagStartMs: number;
  lagEndMs: number;
  lagMaxMs: number;
  /** Server side of the delivery: ms from an update's execution to its last frame handed to the sockets, over the window (p99, max). */
  writeOutP99Ms: number;
  writeOutMaxMs: number;
  /** CPU time (user + system) the server process spent per update over the window, ms: what the fan-out costs whatever else loads the machine. */
  cpuMsPerUpdate: number;
  /** API event-loop delay over the window, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Events executed and serialised by the API over the window (shared executions), and frames written. */
  executions: number;
  serialisedEvents: number;
  frames: number;
}

/**
 * Each case on a fresh embedded platform: the simulator with every default
 * symbol (NIFTY's nearest expiry subscribed), `updates` measured updates.
 */
export async function runEmbeddedFanOutBench(cases: EmbeddedFanOutCase[], updates = 10): Promise<EmbeddedFanOutRow[]> {
  const rows: EmbeddedFanOutRow[] = [];
  for (const benchCase of cases) rows.push(await runCase(benchCase, updates));
  return rows;
}

async function runCase({ selection, subscribers, targetMs }: EmbeddedFanOutCase, updates: number): Promise<EmbeddedFanOutRow> {
  const config = loadConfig({
    DATA_DIR: scratchDir('bench-embedded-fan-out'),
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    SIM_CLOCK: 'always-open',
    SIM_TICK_MS: '1000',
    // npm start's default (source); PIPELINE_THREADS=on or off in the bench's environment compares.
    PIPELINE_THREADS: process.env.PIPELINE_THREADS,
    // The bench's own limits: every client connects from loopback.
    SUBSCRIPTION_MAX_CONNECTIONS: String(subscribers + 100),
    SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: String(subscribers + 100),
    // …one client for the rate limits too: 1,000 full-chain subscriptions cost more than one client's default budget a minute.
    RATE_LIMIT_MAX: '0',
    RATE_LIMIT_COST_MAX: '0',
    // Thousands of sockets opening at once on a busy 2-core machine: their connection_init may wait longer than the default 3 s.
    SUBSCRIPTION_INIT_TIMEOUT_MS: '30000',
  });
  const app: App = await buildApp(config, { log: createLogger('silent') });
  const clients = forkClients();
  const meter = new FanOutMeter(clients, updates);
  const lag: number[] = [];
  let measuring = false;
  let expiry: string | undefined;
  let strikes = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    await app.services.bus.subscribe<RawSnapshot>(TOPICS.raw, 'bench-clock', (message) => {
      if (measuring) lag.push(Date.now() - message.value.timestamp);
    });
    // Stamped as the processor publishes it: every consumer (the API's among them) handles it in a later turn of the loop.
    const bus = app.services.bus;
    const publish = bus.publish.bind(bus);
    bus.publish = (topic, key, value, headers) => {
      const snapshot = value as EnrichedSnapshot;
      if (topic === TOPICS.enriched && snapshot.symbol === 'NIFTY' && (expiry ??= snapshot.expiry) === snapshot.expiry) {
        strikes = snapshot.rows.length;
        meter.published(snapshot.timestamp);
      }
      return publish(topic, key, value, headers);
    };
    const { port } = await app.start(0);
    while (!expiry) await sleep(50);
    const query = `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { ${SELECTIONS[selection]} } }`;
    const fanOutStats = () => app.services.sharedSubscriptions?.() ?? { executions: NaN, events: NaN, frames: NaN, recentFanOutMs: [] as number[] };
    let before = fanOutStats();
    let after = before;
    let cpuBefore = process.cpuUsage();
    let cpu = { user: NaN, system: NaN };
    const row = await meter.measure(`ws://127.0.0.1:${port}/graphql`, query, subscribers, {
      start: () => {
        measuring = true;
        loop.reset();
        loop.enable();
        before = fanOutStats();
        cpuBefore = process.cpuUsage();
      },
      stop: () => {
        measuring = false;
        loop.disable();
        after = fanOutStats();
        cpu = process.cpuUsage(cpuBefore);
      },
    });
    return {
      ...row,
      selection,
      targetMs,
      strikes,
      pipelineThreads: config.PIPELINE_THREADS,
      lagStartMs: lag[0] ?? NaN,
      lagEndMs: lag.at(-1) ?? NaN,
      lagMaxMs: lag.length ? Math.max(...lag) : NaN,
      ...writeOut(after.recentFanOutMs.slice(-Math.max(0, after.events - before.events))),
      cpuMsPerUpdate: (cpu.user + cpu.system) / 1000 / updates,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      executions: after.executions,
      serialisedEvents: after.events - before.events,
      frames: after.frames - before.frames,
    };
  } finally {
    await clients.stop();
    await app.stop();
  }
}
