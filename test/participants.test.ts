/**
 * NSE's institutional data end to end: the CLI (`npm run import`, as a child
 * process, on an embedded database of its own and beside a running
 * platform), the platform's watched import folder with the simulator's
 * files, the GraphQL queries over what was imported, and the FII input of
 * the mood.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { simulatedInstitutionalFiles, tradingDaysBack } from '../core/participantFiles.ts';
import { previousTradingDay } from '../core/calendar.ts';
import { istDate } from '../core/time/expiry.ts';
import { scratchDir } from './fixtures.ts';
import { waitFor } from './support/waitFor.ts';

const run = promisify(execFile);
const DAYS = tradingDaysBack('2026-10-09', 3);
const FILES = simulatedInstitutionalFiles(DAYS, 3);

/** `npm run import -- <args>` with the environment given (no DATABASE_URL: the embedded database under DATA_DIR). */
async function importCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, ...rest } = process.env;
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/import.ts', ...args], { env: { ...rest, LOG_LEVEL: 'silent', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function folderWith(files: { name: string; text: string }[]): string {
  const dir = scratchDir('participant-files');
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
  return dir;
}

describe('npm run import', () => {
  it('imports a folder into the embedded database with a summary, changes nothing the second time, and names a bad file and line while the rest go in', async () => {
    const dataDir = scratchDir('import-cli');
    const dir = folderWith(FILES);
    const first = await importCli([dir], { DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('4 of 4 files imported.');
    expect(first.stdout).toContain(`Trading days: ${DAYS[0]} … ${DAYS[2]} (3).`);
    expect(first.stdout).toContain('Participant rows: 15 added, 0 changed, 0 unchanged.');
    expect(first.stdout).toContain('FII/DII rows: 6 added, 0 changed, 0 unchanged.');
    // Not on a terminal: the progress is logged (core/progress.ts), the last line when all is done.
    const finished = first.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'import finished');
    expect(finished).toMatchObject({ role: 'import', done: 4, total: 4, percent: 100, etaSeconds: 0 });

    const bad = FILES[0].text.replace(/\r\nFII,(\d+),/, '\r\nFII,lots,');
    writeFileSync(join(dir, 'fao_participant_oi_12102026.csv'), FILES[0].text.replace('Oct 07, 2026', 'Oct 12, 2026'));
    writeFileSync(join(dir, 'broken.csv'), bad);
    const second = await importCli([dir], { DATA_DIR: dataDir });
    expect(second.code, second.stdout).toBe(1);
    expect(second.stdout).toContain('5 of 6 files imported, 1 rejected.');
    expect(second.stdout).toContain('Participant rows: 5 added, 0 changed, 15 unchanged.');
    expect(second.stdout).toContain('FII/DII rows: 0 added, 0 changed, 6 unchanged.');
    expect(second.stdout).toMatch(/Rejected broken\.csv, line 5: future index long of FII is "lots", not a whole number of contracts/);
  }, 180_000);

  it('refuses no paths and missing paths with the usage', async () => {
    expect(await importCli([], { DATA_DIR: scratchDir('import-usage') })).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run import') });
    expect(await importCli(['/no/such/folder'], { DATA_DIR: scratchDir('import-usage') })).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or folder: /no/such/folder') });
  }, 60_000);
});

describe('the running platform (embedded, simulator)', () => {
  let app: App;
  let url: string;
  let dataDir: string;
  const graphql = async <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) =>
    (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json()) as {
      data?: T;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };

  beforeAll(async () => {
    dataDir = scratchDir('participants-app');
    const config = loadConfig({
      SOURCE: 'simulator',
      SYMBOLS: 'NIFTY',
      EXPIRIES_PER_SYMBOL: '1',
      SIM_STRIKES_EACH_SIDE: '5',
      SIM_INSTITUTIONAL_DAYS: '5',
      IMPORT_SCAN_SECONDS: '1',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
    });
    app = await buildApp(config);
    ({ url } = await app.start(0));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const lastDay = previousTradingDay(istDate(Date.now()));

  it('imports the simulator\'s files from its folder and serves them: positions with day-on-day change, flows with the running net', async () => {
    const importDir = join(dataDir, 'import');
    await waitFor(() => (readdirSync(join(importDir, 'imported')).length === 6 ? true : undefined), 'the simulated files imported', 30_000);
    const days = tradingDaysBack(lastDay, 5);
    const positions = await graphql<{ participantPositions: { date: string; participants: { participant: string; classes: { instrument: string; longContracts: number; shortContracts: number; netContracts: number; netChangeContracts: number | null }[] }[] }[] }>(
      `query($from: Date!, $to: Date!) { participantPositions(from: $from, to: $to) { date participants { participant classes { instrument longContracts shortContracts netContracts netChangeContracts } } } }`,
      { from: days[0], to: days[4] },
    );
    expect(positions.errors).toBeUndefined();
    const series = positions.data!.participantPositions;
    expect(series.map((d) => d.date)).toEqual(days);
    const fiiFutures = (day: number) => series[day].participants.find((p) => p.participant === 'FII')!.classes.find((c) => c.instrument === 'INDEX_FUTURES')!;
    expect(fiiFutures(0).netChangeContracts).toBeNull();
    expect(fiiFutures(1).netChangeContracts).toBe(fiiFutures(1).netContracts - fiiFutures(0).netContracts);
    expect(fiiFutures(1).netContracts).toBe(fiiFutures(1).longContracts - fiiFutures(1).shortContracts);
    // From the second day on, the day before `from` is the stored one.
    const later = await graphql<{ participantPositions: { participants: { participant: string; classes: { instrument: string; netChangeContracts: number | null }[] }[] }[] }>(
      `{ participantPositions(from: "${days[1]}", to: "${days[1]}") { participants { participant classes { instrument netChangeContracts } } } }`,
    );
    expect(later.data!.participantPositions[0].participants.find((p) => p.participant === 'FII')!.classes[0].netChangeContracts).toBe(fiiFutures(1).netChangeContracts);

    const flows = await graphql<{ fiiDiiFlows: { date: string; category: string; buyCrore: number; sellCrore: number; netCrore: number; cumulativeNetCrore: number }[] }>(
      `query($from: Date!, $to: Date!) { fiiDiiFlows(from: $from, to: $to) { date category buyCrore sellCrore netCrore cumulativeNetCrore } }`,
      { from: days[0], to: days[4] },
    );
    const fii = flows.data!.fiiDiiFlows.filter((f) => f.category === 'FII');
    expect(fii).toHaveLength(5);
    expect(fii[1].cumulativeNetCrore).toBeCloseTo(fii[0].netCrore + fii[1].netCrore, 2);
    expect(fii[0].netCrore).toBeCloseTo(fii[0].buyCrore - fii[0].sellCrore, 2);
  }, 60_000);

  it('puts the FII positioning into the mood', async () => {
    const mood = await waitFor(async () => {
      const result = await graphql<{ marketMood: { components: { name: string; raw: number | null }[] } }>('{ marketMood(symbol: "NIFTY") { components { name raw } } }');
      const fii = result.data?.marketMood?.components.find((c) => c.name === 'fiiPositioning');
      return fii && fii.raw !== null ? fii : undefined;
    }, 'a mood with FII positioning', 60_000, 500);
    expect(mood.raw).toBeGreaterThan(-1);
    expect(mood.raw).toBeLessThan(1);
  }, 90_000);

  it('moves a bad file to rejected/ beside its reason, and the CLI hands files to the running platform\'s folder', async () => {
    const importDir = join(dataDir, 'import');
    writeFileSync(join(importDir, 'fii.json'), '[{"category": "MF", "date": "07-Oct-2026", "buyValue": "1", "sellValue": "1"}]');
    const reason = await waitFor(() => (existsSync(join(importDir, 'rejected', 'fii.json.error.txt')) ? readFileSync(join(importDir, 'rejected', 'fii.json.error.txt'), 'utf8') : undefined), 'the rejection', 30_000);
    expect(reason).toContain('fii.json: entry 1: category "MF" is neither FII (FII/FPI) nor DII');

    const dir = folderWith([{ name: 'fao_participant_oi_14102026.csv', text: FILES[0].text.replace('Oct 07, 2026', 'Oct 14, 2026') }]);
    mkdirSync(dir, { recursive: true });
    const handed = await importCli([dir], { DATA_DIR: dataDir, IMPORT_SCAN_SECONDS: '1' });
    expect(handed.code, handed.stdout + handed.stderr).toBe(0);
    expect(handed.stderr).toContain('handing the files to its import folder');
    expect(handed.stdout).toContain('1 of 1 files imported.');
    const positions = await graphql<{ participantPositions: { date: string }[] }>('{ participantPositions(from: "2026-10-14", to: "2026-10-14") { date } }');
    expect(positions.data!.participantPositions.map((d) => d.date)).toEqual(['2026-10-14']);
  }, 120_000);

  it('answers a reversed or overlong range with a typed error naming the argument', async () => {
    const reversed = await graphql('{ fiiDiiFlows(from: "2026-10-09", to: "2026-10-01") { date } }');
    expect(reversed.errors?.[0]).toMatchObject({ message: 'Argument "to" (2026-10-01) is before "from" (2026-10-09)', extensions: { code: 'BAD_USER_INPUT', argument: 'to' } });
    const long = await graphql('{ participantPositions(from: "2020-01-01", to: "2026-10-01") { date } }');
    expect(long.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'to' } });
  });
});
