/**
 * A bounded, append-only spool on local disk: where the storage role puts
 * enriched snapshots while the database cannot take them, so a crash or a
 * kill during an outage loses nothing that reached it. Replayed oldest first
 * on recovery and on the next start.
 *
 * Layout: a directory of segment files `segment-<sequence>.ndjson`, one
 * record per line as `<crc32 hex> <json>\n`. Each append is one write plus
 * an fdatasync, so an acknowledged append survives a kill and a power cut.
 * A kill in the middle of an append leaves a torn last line: its checksum (or
 * its missing newline) gives it away, it is skipped and counted, and appends
 * after a restart go to a fresh segment. A segment is deleted only after
 * every record in it was handed over and the caller said it is stored, so a
 * crash while replaying replays the segment again (the database write is
 * idempotent).
 *
 * One process owns a spool directory at a time (a lock file naming its pid;
 * a lock whose process is gone is taken over).
 */
import { open, mkdir, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolOptions {
  dir: string;
  /** Most bytes on disk; an append that would pass it is refused (SpoolFullError). */
  maxBytes: number;
  /** A segment is closed and a new one started beyond this size (default 8 MiB). */
  segmentBytes?: number;
}

export class SpoolFullError extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`spool is full (${bytes} of ${maxBytes} bytes)`);
    this.name = 'SpoolFullError';
  }
}

export interface SpoolSegment<T> {
  /** The records of the oldest segment, in append order. */
  records: T[];
  /** Lines that failed their checksum or did not parse (a torn write), skipped. */
  corrupt: number;
  /** Deletes the segment: call once every record is safely stored. */
  done(): Promise<void>;
}

export interface SpoolStats {
  bytes: number;
  maxBytes: number;
  segments: number;
  /** Records appended since the spool was opened. */
  appended: number;
  /** Records handed back and confirmed stored since the spool was opened. */
  replayed: number;
  /** Torn or corrupt lines skipped. */
  corrupt: number;
}

const SEGMENT = /^segment-(\d{16})\.ndjson$/;
const LOCK = 'spool.lock';

export class Spool<T> {
  private readonly segmentBytes: number;
  /** Sequence numbers of the segments on disk, oldest first, with their sizes. */
  private readonly segments: { seq: number; bytes: number }[] = [];
  private active: { seq: number; handle: FileHandle; bytes: number } | null = null;
  private nextSeq: number;
  private bytes = 0;
  private appended = 0;
  private replayed = 0;
  private corrupt = 0;
  /** Appends and segment switches run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: SpoolOptions,
    existing: { seq: number; bytes: number }[],
  ) {
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.segments.push(...existing);
    this.bytes = existing.reduce((n, s) => n + s.bytes, 0);
    this.nextSeq = (existing.at(-1)?.seq ?? 0) + 1;
  }

  /** Opens (creating) the spool directory and takes its lock; what an earlier process left is kept for replay. */
  static async open<T>(options: SpoolOptions): Promise<Spool<T>> {
    await mkdir(options.dir, { recursive: true });
    await takeLock(options.dir);
    const existing: { seq: number; bytes: number }[] = [];
    for (const name of await readdir(options.dir)) {
      const match = SEGMENT.exec(name);
      if (!match) continue;
      const { size } = await stat(join(options.dir, name));
      if (size === 0) await rm(join(options.dir, name));
      else existing.push({ seq: Number(match[1]), bytes: size });
    }
    existing.sort((a, b) => a.seq - b.seq);
    return new Spool<T>(options, existing);
  }

  /**
   * Every record waiting in the spool directory `dir`, oldest first, read
   * without taking the lock or changing anything (for inspection: tests and
   * operators; the process that owns the spool may be gone).
   */
  static async inspect<T>(dir: string): Promise<{ records: T[]; corrupt: number }> {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => SEGMENT.test(name)).sort();
    const records: T[] = [];
    let corrupt = 0;
    for (const name of names) {
      const segment = parseSegment<T>(await readFile(join(dir, name), 'utf8'));
      records.push(...segment.records);
      corrupt += segment.corrupt;
    }
    return { records, corrupt };
  }

  /** Whether anything waits to be replayed. */
  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  stats(): SpoolStats {
    return {
      bytes: this.bytes,
      maxBytes: this.options.maxBytes,
      segments: this.segments.length,
      appended: this.appended,
      replayed: this.replayed,
      corrupt: this.corrupt,
    };
  }

  /**
   * Appends `records` durably (written and fdatasync'ed when this resolves).
   * Throws SpoolFullError when they would take the spool past maxBytes (an
   * empty spool takes any one append, so a single huge batch cannot wedge it).
   */
  append(records: readonly T[]): Promise<void> {
    return this.serial(async () => {
      if (records.length === 0) return;
      const buffer = Buffer.from(records.map(encodeLine).join(''), 'utf8');
      if (this.bytes > 0 && this.bytes + buffer.length > this.options.maxBytes) throw new SpoolFullError(this.bytes, this.options.maxBytes);
      if (!this.active || this.active.bytes >= this.segmentBytes) await this.startSegment();
      const active = this.active!;
      await active.handle.write(buffer);
      await active.handle.datasync();
      active.bytes += buffer.length;
      this.segments.at(-1)!.bytes = active.bytes;
      this.bytes += buffer.length;
      this.appended += records.length;
    });
  }

  /**
   * The oldest segment's records, or null when the spool is empty. The
   * segment being appended to is closed first, so later appends go to a new
   * one and never race the replay.
   */
  oldest(): Promise<SpoolSegment<T> | null> {
    return this.serial(async () => {
      const segment = this.segments[0];
      if (!segment) return null;
      if (this.active?.seq === segment.seq) await this.closeActive();
      const { records, corrupt } = parseSegment<T>(await readFile(this.path(segment.seq), 'utf8'));
      this.corrupt += corrupt;
      return {
        records,
        corrupt,
        done: () =>
          this.serial(async () => {
            const index = this.segments.findIndex((s) => s.seq === segment.seq);
            if (index < 0) return;
            await rm(this.path(segment.seq), { force: true });
            this.segments.splice(index, 1);
            this.bytes -= segment.bytes;
            this.replayed += records.length;
          }),
      };
    });
  }

  /** Closes the segment in hand and releases the lock; the records stay on disk. */
  close(): Promise<void> {
    return this.serial(async () => {
      await this.closeActive();
      await rm(join(this.options.dir, LOCK), { force: true });
    });
  }

  private serial<R>(work: () => Promise<R>): Promise<R> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async startSegment(): Promise<void> {
    await this.closeActive();
    const seq = this.nextSeq++;
    const handle = await open(this.path(seq), 'a');
    this.active = { seq, handle, bytes: 0 };
    this.segments.push({ seq, bytes: 0 });
  }

  private async closeActive(): Promise<void> {
    if (!this.active) return;
    const { handle, seq, bytes } = this.active;
    this.active = null;
    await handle.close();
    if (bytes === 0) {
      await rm(this.path(seq), { force: true });
      const index = this.segments.findIndex((s) => s.seq === seq);
      if (index >= 0) this.segments.splice(index, 1);
    }
  }

  private path(seq: number): string {
    return join(this.options.dir, `segment-${String(seq).padStart(16, '0')}.ndjson`);
  }
}

function parseSegment<T>(text: string): { records: T[]; corrupt: number } {
  const records: T[] = [];
  let corrupt = 0;
  const lines = text.split('\n');
  // The text after the last newline is a line whose write never finished.
  if (lines.at(-1) !== '') corrupt++;
  for (const line of lines.slice(0, -1)) {
    const record = decodeLine<T>(line);
    if (record === undefined) corrupt++;
    else records.push(record);
  }
  return { records, corrupt };
}

function encodeLine(record: unknown): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function decodeLine<T>(line: string): T | undefined {
  const space = line.indexOf(' ');
  if (space !== 8) return undefined;
  const json = line.slice(space + 1);
  if (line.slice(0, 8) !== checksum(json)) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

/**
 * Takes the directory's lock: a file naming this process. A lock left by a
 * process that no longer exists (killed) is taken over; a live owner is an
 * error, since two writers would interleave segments.
 */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(`spool ${dir} is in use by process ${owner}; each storage process needs its own SPOOL_DIR`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`cannot take the lock of spool ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
