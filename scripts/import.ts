/**
 * `npm run import -- <files or folders>`: imports NSE's participant-wise OI
 * files (fao_participant_oi_DDMMYYYY.csv) and FII/DII cash data (JSON or
 * CSV) into the database the platform uses (DATABASE_URL, or the embedded
 * one under DATA_DIR), with a progress bar and a summary; exits 1 when a
 * file was rejected (the others are imported all the same), 2 on bad usage.
 *
 * While a platform runs on the embedded database it holds it (db/dataDirLock.ts):
 * the files are then copied into its import folder (IMPORT_DIR) and the
 * command waits for the platform to take each one (imported/ or rejected/).
 */
import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig, ConfigError } from '../core/config.ts';
import { createLogger, type LogLevel } from '../core/log.ts';
import { Progress, stderrProgressSink } from '../core/progress.ts';
import { openDatabase } from '../db/client.ts';
import { DataDirInUseError } from '../db/dataDirLock.ts';
import { describeRejection, importableFiles, importFiles, type FileOutcome, type ImportSummary, type RejectedFile } from '../pipeline/participantImport.ts';

const USAGE = 'usage: npm run import -- <file or folder>… (NSE fao_participant_oi_DDMMYYYY.csv files, FII/DII cash data as JSON or CSV)';

/** Each file's outcome as progress (core/progress.ts): a bar with the ETA on a terminal, log lines on stderr otherwise; rejections said as they come. */
function fileProgress(total: number, level: LogLevel): (outcome: FileOutcome) => void {
  const log = createLogger(level, { role: 'import', component: 'import' }, (line) => void process.stderr.write(`${line}\n`));
  const progress = new Progress('import', total, stderrProgressSink(log));
  return (outcome) => {
    if (!outcome.ok) progress.say(`rejected: ${describeRejection(outcome)}`);
    progress.advance(1, outcome.file);
  };
}

function report(summary: Pick<ImportSummary, 'files' | 'imported' | 'rejected'> & Partial<ImportSummary>): void {
  const rows = (c: ImportSummary['participantRows']) => `${c.added} added, ${c.changed} changed, ${c.unchanged} unchanged`;
  console.log(`${summary.imported} of ${summary.files} files imported${summary.rejected.length ? `, ${summary.rejected.length} rejected` : ''}.`);
  if (summary.dates?.length) console.log(`Trading days: ${summary.dates[0]} … ${summary.dates.at(-1)} (${summary.dates.length}).`);
  if (summary.participantRows) console.log(`Participant rows: ${rows(summary.participantRows)}.`);
  if (summary.cashRows) console.log(`FII/DII rows: ${rows(summary.cashRows)}.`);
  for (const r of summary.rejected) console.log(`Rejected ${describeRejection(r)}`);
}

/** Hands the files to the running platform's import folder and waits for it to take each (imported/ or rejected/). */
async function throughFolder(importDir: string, files: string[], waitMs: number, level: LogLevel): Promise<{ imported: number; rejected: RejectedFile[] }> {
  const stamp = `${Date.now()}-${process.pid}`;
  const handed = files.map((path) => {
    const name = `${stamp}-${basename(path)}`;
    copyFileSync(path, join(importDir, `.${name}`));
    return { name, path };
  });
  // Copied under a hidden name, then renamed: the folder never sees half a file.
  for (const { name } of handed) renameSync(join(importDir, `.${name}`), join(importDir, name));
  const outcome = { imported: 0, rejected: [] as RejectedFile[] };
  const deadline = Date.now() + waitMs;
  const pending = new Set(handed.map((h) => h.name));
  const progress = fileProgress(files.length, level);
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const file = basename(handed.find((h) => h.name === name)!.path);
      if (existsSync(join(importDir, 'imported', name))) {
        outcome.imported++;
        progress({ ok: true, file, dates: [], participantRows: { added: 0, changed: 0, unchanged: 0 }, cashRows: { added: 0, changed: 0, unchanged: 0 } });
        pending.delete(name);
      } else if (existsSync(join(importDir, 'rejected', `${name}.error.txt`))) {
        // The folder wrote describeRejection(): "<name>[, line N]: problem".
        const why = readFileSync(join(importDir, 'rejected', `${name}.error.txt`), 'utf8').trim().slice(name.length);
        const parsed = /^(?:, line (\d+))?: ([\s\S]*)$/.exec(why);
        const rejected = { file, line: parsed?.[1] ? Number(parsed[1]) : null, problem: parsed?.[2] ?? why };
        outcome.rejected.push(rejected);
        progress({ ok: false, ...rejected });
        pending.delete(name);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`the running platform has not taken ${pending.size} file(s) from ${importDir} in ${Math.round(waitMs / 1000)} s: is its import folder on (IMPORT_SCAN_SECONDS > 0)?`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return outcome;
}

async function main(): Promise<number> {
  const paths = process.argv.slice(2).filter((a) => a !== '--');
  if (paths.length === 0 || paths.some((p) => p === '-h' || p === '--help')) {
    console.error(USAGE);
    return 2;
  }
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    console.error(`no such file or folder: ${missing.join(', ')}\n${USAGE}`);
    return 2;
  }
  const files = importableFiles(paths);
  if (files.length === 0) {
    console.error(`no .csv or .json files in ${paths.join(', ')}`);
    return 2;
  }
  const config = loadConfig(process.env);
  let database;
  try {
    database = await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    console.error(`The platform is running on ${config.DATA_DIR}: handing the files to its import folder ${config.IMPORT_DIR}.`);
    const outcome = await throughFolder(config.IMPORT_DIR, files, Math.max(30, 3 * config.IMPORT_SCAN_SECONDS) * 1000, config.LOG_LEVEL);
    report({ files: files.length, ...outcome });
    return outcome.rejected.length > 0 ? 1 : 0;
  }
  try {
    const summary = await importFiles(database.db, files, fileProgress(files.length, config.LOG_LEVEL));
    report(summary);
    return summary.rejected.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? error.message : `import failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
