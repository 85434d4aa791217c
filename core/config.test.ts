import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { NSE_INDEX_MARGIN_PARAMETERS } from './strategy/margin.ts';

describe('configuration', () => {
  it('starts on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.SOURCE).toBe('simulator');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SYMBOLS).toEqual(['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX']);
    expect(config.instruments.get('NIFTY')?.lotSize).toBe(65);
  });

  it('runs the source on a thread of its own unless PIPELINE_THREADS says otherwise, and names any other value', () => {
    expect(loadConfig({}).PIPELINE_THREADS).toBe('source');
    expect(loadConfig({ PIPELINE_THREADS: 'on' }).PIPELINE_THREADS).toBe('on');
    expect(loadConfig({ PIPELINE_THREADS: 'off' }).PIPELINE_THREADS).toBe('off');
    expect(() => loadConfig({ PIPELINE_THREADS: 'yes' })).toThrow(/PIPELINE_THREADS="yes": must be source, on or off/);
  });

  it('stores the analytics documents once a minute by default, every time with 0, and names an interval beyond the 5-minute buckets', () => {
    expect(loadConfig({}).ANALYTICS_STORE_INTERVAL_SECONDS).toBe(60);
    expect(loadConfig({ ANALYTICS_STORE_INTERVAL_SECONDS: '0' }).ANALYTICS_STORE_INTERVAL_SECONDS).toBe(0);
    expect(() => loadConfig({ ANALYTICS_STORE_INTERVAL_SECONDS: '301' })).toThrow(/ANALYTICS_STORE_INTERVAL_SECONDS="301"/);
    expect(() => loadConfig({ ANALYTICS_STORE_INTERVAL_SECONDS: 'often' })).toThrow(/ANALYTICS_STORE_INTERVAL_SECONDS="often"/);
  });

  it('keeps the Kafka bus on its former behaviour by default, and names a bad Kafka setting (issue 17)', () => {
    const config = loadConfig({});
    expect([config.KAFKA_TOPICS, config.KAFKA_IDEMPOTENT, config.KAFKA_MIN_INSYNC_REPLICAS, config.KAFKA_COMPRESSION, config.KAFKA_LINGER_MS]).toEqual(['create', true, undefined, 'none', 0]);
    expect([config.KAFKA_SEND_TIMEOUT_MS, config.KAFKA_SESSION_TIMEOUT_MS]).toEqual([30_000, 30_000]);
    const external = loadConfig({ KAFKA_TOPICS: 'external', KAFKA_IDEMPOTENT: 'false', KAFKA_MIN_INSYNC_REPLICAS: '2', KAFKA_COMPRESSION: 'gzip', KAFKA_LINGER_MS: '5' });
    expect([external.KAFKA_TOPICS, external.KAFKA_IDEMPOTENT, external.KAFKA_MIN_INSYNC_REPLICAS, external.KAFKA_COMPRESSION, external.KAFKA_LINGER_MS]).toEqual(['external', false, 2, 'gzip', 5]);
    expect(() => loadConfig({ KAFKA_TOPICS: 'auto' })).toThrow(/KAFKA_TOPICS="auto": must be create or external/);
    expect(() => loadConfig({ KAFKA_COMPRESSION: 'zstd' })).toThrow(/KAFKA_COMPRESSION="zstd": must be none or gzip/);
  });

  it('names every bad variable with its value and what was expected', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SOURCE: 'bloomberg', RISK_FREE_RATE: '6.5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT="eighty"/);
    expect(message).toMatch(/SOURCE="bloomberg"/);
    expect(message).toMatch(/RISK_FREE_RATE="6.5"/);
  });

  it('applies lot size and strike step overrides and rejects unknown symbols', () => {
    const config = loadConfig({ LOT_SIZES: 'NIFTY:75, banknifty:35', STRIKE_STEPS: 'MIDCPNIFTY:50' });
    expect(config.instruments.get('NIFTY')?.lotSize).toBe(75);
    expect(config.instruments.get('BANKNIFTY')?.lotSize).toBe(35);
    expect(config.instruments.get('MIDCPNIFTY')?.strikeStep).toBe(50);
    expect(() => loadConfig({ SYMBOLS: 'NIFTY,GOLD' })).toThrow(/unknown symbol GOLD/);
    expect(() => loadConfig({ LOT_SIZES: 'NIFTY:lots' })).toThrow(/LOT_SIZES/);
  });

  it('requires Dhan credentials for the Dhan source and a file for replay', () => {
    expect(() => loadConfig({ SOURCE: 'dhan' })).toThrow(/DHAN_ACCESS_TOKEN and DHAN_CLIENT_ID/);
    expect(() => loadConfig({ SOURCE: 'replay' })).toThrow(/REPLAY_FILE/);
  });

  it('refuses storage settings that cannot hold together, naming both variables', () => {
    expect(() => loadConfig({ STORAGE_WRITE_TRANSACTIONS: '4', DATABASE_POOL_SIZE: '2' })).toThrow(
      /STORAGE_WRITE_TRANSACTIONS=4 exceeds DATABASE_POOL_SIZE=2/,
    );
    expect(loadConfig({ STORAGE_WRITE_TRANSACTIONS: '2', DATABASE_POOL_SIZE: '2' }).STORAGE_WRITE_TRANSACTIONS).toBe(2);
  });

  it('names a URL of the wrong kind at start-up, not at the first connection', () => {
    expect(() => loadConfig({ DATABASE_URL: 'http://127.0.0.1:5432/options' })).toThrow(/DATABASE_URL="http:\/\/127.0.0.1:5432\/options": must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL="localhost:6379": must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db', REDIS_URL: 'rediss://h:6380' }).DATABASE_URL).toBe('postgresql://u@h/db');
  });

  it('reads sizes with units and puts the spool under the data directory by default', () => {
    const config = loadConfig({ QUEUE_MAX_BYTES: '64MiB', SPOOL_MAX_BYTES: '2 GiB', DATA_DIR: '/var/lib/options' });
    expect(config.QUEUE_MAX_BYTES).toBe(64 * 1024 ** 2);
    expect(config.SPOOL_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(config.SPOOL_DIR).toBe('/var/lib/options/spool');
    expect(loadConfig({ QUEUE_MAX_BYTES: '1000' }).QUEUE_MAX_BYTES).toBe(1000);
    expect(() => loadConfig({ QUEUE_MAX_BYTES: 'lots' })).toThrow(/QUEUE_MAX_BYTES="lots": a size such as 16MiB/);
  });

  it('reads the retention windows as intervals, and refuses a history shorter than the raw window or a window under a minute', () => {
    const config = loadConfig({});
    expect([config.RETENTION_RAW, config.RETENTION_HISTORY, config.RETENTION_EVERY_SECONDS, config.RETENTION_BATCH_SNAPSHOTS]).toEqual(['1 hour', '7 days', 60, 100]);
    expect(loadConfig({ RETENTION_RAW: '90 minutes', RETENTION_HISTORY: '2 weeks' }).RETENTION_RAW).toBe('90 minutes');
    expect(() => loadConfig({ RETENTION_RAW: '2 days', RETENTION_HISTORY: '1 day' })).toThrow(
      /RETENTION_HISTORY="1 day" is shorter than RETENTION_RAW="2 days"/,
    );
    expect(() => loadConfig({ RETENTION_RAW: '0 minutes' })).toThrow(/RETENTION_RAW="0 minutes": at least "1 minute"/);
    expect(() => loadConfig({ RETENTION_HISTORY: '1 month' })).toThrow(/RETENTION_HISTORY="1 month"/);
    expect(() => loadConfig({ RETENTION_EVERY_SECONDS: '0' })).toThrow(/RETENTION_EVERY_SECONDS/);
  });

  it('loads a named simulator scenario, or none when SIM_SCENARIO is unset or empty', () => {
    expect(loadConfig({}).scenario).toBeUndefined();
    expect(loadConfig({ SIM_SCENARIO: '' }).scenario).toBeUndefined();
    const scenario = loadConfig({ SIM_SCENARIO: 'vol-spike' }).scenario!;
    expect(scenario.name).toBe('vol-spike');
    expect(scenario.events[0]).toMatchObject({ kind: 'volSpike', atMinute: 30, ivPoints: 6 });
    expect(() => loadConfig({ SIM_SCENARIO: 'volspike' })).toThrow(
      /SIM_SCENARIO="volspike": no such scenario; named ones: quiet, trend-up-with-put-writing, vol-spike, liquidity-crunch, vix-divergence, session, or give the path of a \.json file/,
    );
  });

  it('loads a scenario file, naming an unreadable file, bad JSON and every bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ name: 'mine', events: [{ kind: 'trend', atMinute: 3, forMinutes: 5, driftPctPerMinute: -0.1 }] }));
      expect(loadConfig({ SIM_SCENARIO: good }).scenario).toMatchObject({ name: 'mine', anchor: 'start', events: [{ kind: 'trend', driftPctPerMinute: -0.1 }] });

      expect(() => loadConfig({ SIM_SCENARIO: join(dir, 'absent.json') })).toThrow(/SIM_SCENARIO=".*absent\.json": cannot read the scenario file: ENOENT/);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"name": "x",');
      expect(() => loadConfig({ SIM_SCENARIO: broken })).toThrow(/SIM_SCENARIO=".*broken\.json": not valid JSON/);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'bad', events: [{ kind: 'writing', atMinute: 1, forMinutes: 5, side: 'put', strikeOffset: -2, contractsPerMinut: 100 }] }));
      let message = '';
      try {
        loadConfig({ SIM_SCENARIO: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/SIM_SCENARIO=".*bad\.json": events\[0\]\.contractsPerMinute: /);
      expect(message).toMatch(/SIM_SCENARIO=".*bad\.json": events\[0\]: Unrecognized key: "contractsPerMinut"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a scenario that does not fit the simulator set-up, naming the variable it collides with', () => {
    expect(() => loadConfig({ SIM_SCENARIO: 'trend-up-with-put-writing', SIM_STRIKES_EACH_SIDE: '1' })).toThrow(
      /SIM_SCENARIO="trend-up-with-put-writing": events\[1\]\.strikeOffset: -2 is outside the simulated window of ±1 strikes \(SIM_STRIKES_EACH_SIDE\)/,
    );
  });

  it('reads the aggregates\' windows, refusing compression inside their 7-day refresh window or a retention shorter than the raw one', () => {
    const config = loadConfig({});
    expect([config.TIMESCALE_AGGREGATE_COMPRESS_AFTER, config.TIMESCALE_AGGREGATE_RETENTION]).toEqual(['30 days', '365 days']);
    expect(loadConfig({ TIMESCALE_AGGREGATE_COMPRESS_AFTER: '8 days' }).TIMESCALE_AGGREGATE_COMPRESS_AFTER).toBe('8 days');
    expect(() => loadConfig({ TIMESCALE_AGGREGATE_COMPRESS_AFTER: '7 days' })).toThrow(/TIMESCALE_AGGREGATE_COMPRESS_AFTER="7 days" must be longer than the aggregates' refresh window/);
    expect(() => loadConfig({ TIMESCALE_AGGREGATE_RETENTION: '30 days' })).toThrow(/TIMESCALE_AGGREGATE_RETENTION="30 days" is shorter than TIMESCALE_RETENTION="90 days"/);
    expect(() => loadConfig({ TIMESCALE_AGGREGATE_RETENTION: 'forever' })).toThrow(/TIMESCALE_AGGREGATE_RETENTION="forever"/);
  });

  it("takes the margin estimate's parameters from MARGIN_* with NSE Clearing's index values by default, and names a bad one", () => {
    const defaults = loadConfig({}).marginParameters;
    expect(defaults.get('NIFTY')).toEqual(NSE_INDEX_MARGIN_PARAMETERS);
    expect(defaults.get('SENSEX')).toMatchObject({ priceScanMinPct: 9.3, exposurePct: 2, calendarSpreadPct: 1.75 });
    const config = loadConfig({ MARGIN_PRICE_SCAN_PCT: '10', MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: 'sensex:12', MARGIN_EXPOSURE_PCT: '3.5', MARGIN_SHORT_OPTION_MIN_PCT: '0' });
    expect(config.marginParameters.get('NIFTY')).toMatchObject({ priceScanMinPct: 10, exposurePct: 3.5, shortOptionMinPct: 0 });
    expect(config.marginParameters.get('SENSEX')).toMatchObject({ priceScanMinPct: 12, exposurePct: 3.5 });
    expect(() => loadConfig({ MARGIN_PRICE_SCAN_PCT: 'wide' })).toThrow(/MARGIN_PRICE_SCAN_PCT="wide": must be a percentage, a number such as 9.3/);
    expect(() => loadConfig({ MARGIN_EXPOSURE_PCT: '-1' })).toThrow(/MARGIN_EXPOSURE_PCT="-1": must be a percentage of at least 0/);
    expect(() => loadConfig({ MARGIN_CALENDAR_SPREAD_PCT: '175' })).toThrow(/MARGIN_CALENDAR_SPREAD_PCT="175": must be a percentage of at most 100/);
    expect(() => loadConfig({ MARGIN_VOL_SCAN_MIN_PCT: '200' })).toThrow(/MARGIN_VOL_SCAN_MIN_PCT="200": must be vol points of at most 100/);
    expect(() => loadConfig({ MARGIN_EXTREME_MOVE_MULTIPLE: '0.5' })).toThrow(/MARGIN_EXTREME_MOVE_MULTIPLE="0.5": must be at least 1/);
    expect(() => loadConfig({ MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: 'GOLD:9' })).toThrow(/MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: unknown symbol GOLD/);
    expect(() => loadConfig({ MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: 'NIFTY:150' })).toThrow(/NIFTY:150 must be a percentage of at most 100/);
  });

  it('documents every variable it reads in .env.example, and only those', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/^\s{2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]));
    expect([...read].sort()).toEqual([...documented].sort());
  });
});
