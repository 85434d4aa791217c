/**
 * Importing NSE's daily institutional files (core/participants.ts parses,
 * db/queries/participants.ts stores): from paths (the CLI, scripts/import.ts)
 * or from a folder the running platform watches (ImportFolder).
 *
 * Each file is read, parsed and stored on its own: a bad file is rejected
 * with its name and line and the others still go in. Importing a file again
 * changes nothing (rows already stored with the same figures are counted
 * unchanged). A file larger than MAX_IMPORT_FILE_BYTES is refused unread:
 * the real ones are a few kilobytes.
 */
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Database } from '../db/client.ts';
import { ImportFileError, parseImportFile } from '../core/participants.ts';
import { storeCashFlows, storeParticipantPositions, type StoreCounts } from '../db/queries/participants.ts';
import type { Logger } from '../core/log.ts';

export const MAX_IMPORT_FILE_BYTES = 4 * 1024 * 1024;
const IMPORTABLE = new Set(['.csv', '.json']);

export interface RejectedFile {
  file: string;
  /** 1-based, when one line is to blame. */
  line: number | null;
  problem: string;
}

export interface ImportSummary {
  files: number;
  imported: number;
  rejected: RejectedFile[];
  /** Trading days the imported files cover, ascending. */
  dates: string[];
  participantRows: StoreCounts;
  cashRows: StoreCounts;
}

export type FileOutcome = { file: string; ok: true; dates: string[]; participantRows: StoreCounts; cashRows: StoreCounts } | ({ ok: false } & RejectedFile);

const zero = (): StoreCounts => ({ added: 0, changed: 0, unchanged: 0 });
const add = (a: StoreCounts, b: StoreCounts) => ({ added: a.added + b.added, changed: a.changed + b.changed, unchanged: a.unchanged + b.unchanged });

/** The .csv and .json files named, folders expanded (not recursively), in name order; hidden files skipped. */
export function importableFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        const full = join(path, name);
        if (!name.startsWith('.') && IMPORTABLE.has(extname(name).toLowerCase()) && statSync(full).isFile()) out.push(full);
      }
    } else out.push(path);
  }
  return out;
}

/** Reads, parses and stores one file; never throws for the file's own faults (they come back as a rejection). */
export async function importFile(db: Database, path: string): Promise<FileOutcome> {
  const file = basename(path);
  try {
    const size = statSync(path).size;
    if (size > MAX_IMPORT_FILE_BYTES) return { ok: false, file, line: null, problem: `is ${size.toLocaleString('en-US')} bytes; NSE's files are a few kilobytes (limit ${MAX_IMPORT_FILE_BYTES.toLocaleString('en-US')})` };
    const parsed = parseImportFile(file, await readFile(path, 'utf8'));
    if (parsed.kind === 'participantOi') return { ok: true, file, dates: [parsed.date], participantRows: await storeParticipantPositions(db, parsed.rows), cashRows: zero() };
    return { ok: true, file, dates: parsed.dates, participantRows: zero(), cashRows: await storeCashFlows(db, parsed.rows) };
  } catch (error) {
    if (error instanceof ImportFileError) return { ok: false, file, line: error.line, problem: error.problem };
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') {
      return { ok: false, file, line: null, problem: `cannot be read: ${(error as Error).message}` };
    }
    // The database failing is not the file's fault: the caller decides (the folder keeps the file for the next scan).
    throw error;
  }
}

/** Imports every file, in order, telling `onFile` after each. */
export async function importFiles(db: Database, files: readonly string[], onFile?: (outcome: FileOutcome, done: number, total: number) => void): Promise<ImportSummary> {
  const summary: ImportSummary = { files: files.length, imported: 0, rejected: [], dates: [], participantRows: zero(), cashRows: zero() };
  const dates = new Set<string>();
  for (const [i, path] of files.entries()) {
    const outcome = await importFile(db, path);
    if (outcome.ok) {
      summary.imported++;
      outcome.dates.forEach((d) => dates.add(d));
      summary.participantRows = add(summary.participantRows, outcome.participantRows);
      summary.cashRows = add(summary.cashRows, outcome.cashRows);
    } else summary.rejected.push({ file: outcome.file, line: outcome.line, problem: outcome.problem });
    onFile?.(outcome, i + 1, files.length);
  }
  summary.dates = [...dates].sort();
  return summary;
}

/** One line for a rejection: "file, line 4: problem". */
export function describeRejection(r: RejectedFile): string {
  return `${r.file}${r.line !== null ? `, line ${r.line}` : ''}: ${r.problem}`;
}

/**
 * The running platform's import folder: every `everyMs` the .csv and .json
 * files in `dir` are imported, then moved to `dir/imported/`, or to
 * `dir/rejected/` beside a `<name>.error.txt` saying why. A file is taken
 * once its size has stayed the same over one scan (so one still being
 * copied in is left for the next). When the database fails, the file stays
 * where it is and the next scan tries again.
 */
export class ImportFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly seenSizes = new Map<string, number>();
  readonly stats = { imported: 0, rejected: 0, lastScanAt: null as number | null, lastError: null as string | null };

  constructor(
    private readonly db: Database,
    readonly dir: string,
    private readonly options: { everyMs: number; log?: Logger; onImported?: (outcome: FileOutcome) => void },
  ) {
    for (const sub of ['', 'imported', 'rejected']) mkdirSync(join(dir, sub), { recursive: true });
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.scan()
        .catch((error) => {
          this.stats.lastError = error instanceof Error ? error.message : String(error);
          this.options.log?.warn('import folder scan failed; files stay for the next scan', { dir: this.dir, error: this.stats.lastError });
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.everyMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Imports one file of the folder now and moves it to imported/ or rejected/ (the scan, and files this process wrote itself). */
  async take(path: string): Promise<FileOutcome> {
    const outcome = await importFile(this.db, path);
    const name = basename(path);
    if (outcome.ok) {
      renameSync(path, uniquePath(join(this.dir, 'imported'), name));
      this.stats.imported++;
      this.options.log?.info('imported', { file: name, dates: outcome.dates, participantRows: outcome.participantRows, cashRows: outcome.cashRows });
    } else {
      const target = uniquePath(join(this.dir, 'rejected'), name);
      renameSync(path, target);
      writeFileSync(`${target}.error.txt`, `${describeRejection(outcome)}\n`);
      this.stats.rejected++;
      this.options.log?.warn('import rejected', { file: name, line: outcome.line, problem: outcome.problem });
    }
    this.options.onImported?.(outcome);
    return outcome;
  }

  /** One pass over the folder (also what the schedule runs). */
  async scan(): Promise<void> {
    const files = importableFiles([this.dir]);
    const present = new Set(files);
    for (const seen of this.seenSizes.keys()) if (!present.has(seen)) this.seenSizes.delete(seen);
    for (const path of files) {
      if (this.stopped) return;
      const size = statSync(path).size;
      // Settled: the same size as at the previous scan (or left over from before a restart with nothing changing).
      if (this.seenSizes.get(path) !== size) {
        this.seenSizes.set(path, size);
        if (Date.now() - statSync(path).mtimeMs < this.options.everyMs) continue;
      }
      this.seenSizes.delete(path);
      await this.take(path);
    }
    this.stats.lastScanAt = Date.now();
    this.stats.lastError = null;
  }
}

/** `dir/name`, or `dir/name.2`, `.3`… when taken (a file imported twice keeps both copies). */
function uniquePath(dir: string, name: string): string {
  let candidate = join(dir, name);
  for (let n = 2; exists(candidate); n++) candidate = join(dir, `${name}.${n}`);
  return candidate;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
