/**
 * Recording and replaying raw snapshots.
 *
 * File format: gzip-compressed NDJSON, one `RawSnapshot` JSON object per
 * line, in emission order. Appending to an existing recording adds a new gzip
 * member, which gunzip reads as one stream, so a restarted recorder can keep
 * writing to the same file.
 *
 * `ReplaySource` re-emits a recording as a Source named 'replay': each
 * snapshot keeps its content and timestamp, its `source` becomes 'replay' and
 * its id gets a 'replay:' prefix. Snapshots come out at `speed`× the
 * original pace: the gap between two snapshots is the gap between their
 * original timestamps divided by `speed` (scheduled from the start of each
 * pass, so a slow consumer does not accumulate drift); `speed: Infinity`
 * replays as fast as the consumer takes them. With `loop`, the file is
 * replayed again and again; pass k ≥ 1 prefixes ids with 'replay:<k>:' (so
 * consumers that process an id once still see every pass) and shifts
 * timestamps forward by k·(span of the file + one median gap), so time keeps
 * moving forward.
 *
 * A line that is not JSON or not a valid raw snapshot envelope is skipped and
 * counted in `status().rejected` by reason; an unreadable or truncated file
 * ends the pass with the reason counted ('read_error') and in
 * `status().message`, never an exception.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { MessageError, parseRawSnapshot, type RawSnapshot } from '../../core/models.ts';
import { fetchInstant, type Source, type SourceEmit, type SourceStatus } from '../source.ts';
import { abortableSleep } from './sleep.ts';
import { Progress, type ProgressSink } from '../../core/progress.ts';

/** Writes raw snapshots to a gzip-compressed NDJSON file. */
export class SnapshotRecorder {
  private gzip: Gzip | null = null;
  private file: WriteStream | null = null;
  private count = 0;

  /** Opens (creates, or with `append` extends) the recording at `path`. */
  async open(path: string, options: { append?: boolean } = {}): Promise<this> {
    if (this.gzip) throw new Error('SnapshotRecorder is already open');
    const file = createWriteStream(path, { flags: options.append ? 'a' : 'w' });
    await once(file, 'open');
    const gzip = createGzip();
    gzip.pipe(file);
    this.file = file;
    this.gzip = gzip;
    return this;
  }

  /** Appends one snapshot; waits when the compressor's buffer is full. */
  async write(snapshot: RawSnapshot): Promise<void> {
    if (!this.gzip) throw new Error('SnapshotRecorder is not open');
    this.count++;
    if (!this.gzip.write(`${JSON.stringify(snapshot)}\n`)) await once(this.gzip, 'drain');
  }

  /** Snapshots written since `open`. */
  get written(): number {
    return this.count;
  }

  /** Flushes and closes the file; the recording is complete when this resolves. */
  async close(): Promise<void> {
    const { gzip, file } = this;
    if (!gzip || !file) return;
    this.gzip = null;
    this.file = null;
    gzip.end();
    await finished(file);
  }
}

export interface ReplaySourceOptions {
  path: string;
  /** Playback speed: 1 = original pace, 10 = ten times faster, Infinity = as fast as possible. Default 1. */
  speed?: number;
  /** Replay the file again when it ends. Default false. */
  loop?: boolean;
  now?: () => number;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Where each pass reports how far through the file it is, with the time left (core/progress.ts). */
  progress?: ProgressSink;
}

export interface ReplaySourceStatus extends SourceStatus {
  /** Completed passes over the file. */
  passes: number;
}


function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export class ReplaySource implements Source {
  readonly name = 'replay';

  private readonly speed: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private state: SourceStatus['state'] = 'idle';
  private message: string | undefined;
  private emitted = 0;
  private passes = 0;
  private readonly rejected: Record<string, number> = {};
  private finishedResolve!: () => void;
  private readonly finishedPromise = new Promise<void>((resolve) => (this.finishedResolve = resolve));

  constructor(private readonly options: ReplaySourceOptions) {
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`replay speed must be positive, got ${this.speed}`);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** Checks the file is readable, then replays it in the background. */
  async start(emit: SourceEmit): Promise<void> {
    if (this.loop) throw new Error('ReplaySource already started');
    try {
      await access(this.options.path);
    } catch (error) {
      this.state = 'failed';
      this.message = `cannot read recording ${this.options.path}: ${error instanceof Error ? error.message : String(error)}`;
      this.finishedResolve();
      throw new Error(this.message);
    }
    this.state = 'running';
    this.loop = this.run(emit).finally(() => this.finishedResolve());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.state !== 'failed') this.state = 'stopped';
  }

  /** Resolves when the replay has ended (the file is done and `loop` is off) or was stopped. */
  finished(): Promise<void> {
    return this.finishedPromise;
  }

  status(): ReplaySourceStatus {
    return {
      name: this.name,
      state: this.state,
      ...(this.message === undefined ? {} : { message: this.message }),
      snapshotsEmitted: this.emitted,
      rejected: { ...this.rejected },
      passes: this.passes,
    };
  }

  private async run(emit: SourceEmit): Promise<void> {
    let offset = 0;
    for (let pass = 0; !this.abort.signal.aborted; pass++) {
      const { first, last, gaps } = await this.replayOnce(pass, offset, emit);
      if (this.abort.signal.aborted) break;
      this.passes++;
      if (!this.options.loop || first === null || last === null) break;
      offset += last - first + Math.max(median(gaps), 1);
    }
    if (!this.abort.signal.aborted && this.state !== 'failed') {
      this.state = 'stopped';
      this.message = this.message ?? `replay finished after ${this.passes} pass(es)`;
    }
  }

  /** One pass over the file; returns the first and last original timestamps and the gaps between them. */
  private async replayOnce(
    pass: number,
    offset: number,
    emit: SourceEmit,
  ): Promise<{ first: number | null; last: number | null; gaps: number[] }> {
    const file = createReadStream(this.options.path);
    const gunzip = createGunzip();
    const lines = createInterface({ input: file.pipe(gunzip), crlfDelay: Infinity });
    let readError: Error | null = null;
    const onError = (error: Error) => {
      readError ??= error;
      lines.close();
    };
    file.on('error', onError);
    gunzip.on('error', onError);

    let first: number | null = null;
    let last: number | null = null;
    const gaps: number[] = [];
    const startedAt = this.now();
    const prefix = pass === 0 ? 'replay:' : `replay:${pass}:`;
    // Through the file by its (compressed) bytes read.
    const progress = this.options.progress ? new Progress(`replay pass ${pass + 1}`, (await stat(this.options.path).catch(() => ({ size: 0 }))).size, this.options.progress, { now: this.now }) : null;
    let bytesReported = 0;
    // The fetch of a snapshot: reading its line (from where the previous one was handed over) and parsing it.
    let readFrom = fetchInstant();
    try {
      for await (const line of lines) {
        if (this.abort.signal.aborted) break;
        if (line.trim() === '') continue;
        const snapshot = this.parseLine(line);
        if (!snapshot) continue;
        const fetch = { startedAt: readFrom, endedAt: fetchInstant() };
        first ??= snapshot.timestamp;
        if (last !== null) gaps.push(snapshot.timestamp - last);
        last = snapshot.timestamp;
        if (Number.isFinite(this.speed)) {
          const due = startedAt + (snapshot.timestamp - first) / this.speed;
          const wait = due - this.now();
          if (wait > 0) await this.sleep(wait, this.abort.signal);
          if (this.abort.signal.aborted) break;
        }
        try {
          await emit({ ...snapshot, id: `${prefix}${snapshot.id}`, source: 'replay', timestamp: snapshot.timestamp + offset }, fetch);
          this.emitted++;
        } catch {
          this.count('emit_failed');
        }
        if (progress && file.bytesRead > bytesReported) {
          progress.advance(file.bytesRead - bytesReported);
          bytesReported = file.bytesRead;
        }
        readFrom = fetchInstant();
      }
    } catch (error) {
      readError ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      lines.close();
      file.destroy();
      gunzip.destroy();
      progress?.finish();
    }
    if (readError && !this.abort.signal.aborted) {
      this.count('read_error');
      // Nothing readable at all (not gzip, say) is a failure; a file cut short is replayed as far as it goes.
      this.message =
        first === null
          ? `cannot read recording ${this.options.path}: ${(readError as Error).message} (expected gzip-compressed NDJSON, as RECORD_FILE writes)`
          : `recording ${this.options.path} could not be read to the end: ${(readError as Error).message}`;
      if (first === null) this.state = 'failed';
    } else if (first === null && Object.keys(this.rejected).length > 0 && !this.abort.signal.aborted) {
      this.state = 'failed';
      this.message = `recording ${this.options.path} holds no valid snapshot (rejected: ${JSON.stringify(this.rejected)})`;
    }
    return { first, last, gaps };
  }

  private parseLine(line: string): RawSnapshot | null {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.count('invalid_json');
      return null;
    }
    try {
      return parseRawSnapshot(value);
    } catch (error) {
      this.count(error instanceof MessageError ? error.reason : 'invalid_snapshot');
      return null;
    }
  }

  private count(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }
}
