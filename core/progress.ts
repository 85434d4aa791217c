/**
 * Progress of long work (imports, replays, backfills, benchmarks): how much
 * is done, the rate and the time left. On a terminal one line is redrawn in
 * place (`[#######.......] 42/120 35% 12.3/s ETA 6s · file.csv`); otherwise a
 * structured log line is written at most every `logEveryMs` and at the end
 * (`{"message":"import progress","done":42,"total":120,"percent":35,"ratePerSecond":12.3,"etaSeconds":6}`).
 *
 * The arithmetic (`progressOf`, `progressLine`, `formatSeconds`) is pure;
 * `Progress` writes to the sink it is given (`stderrProgressSink` picks the
 * terminal when stderr is one).
 */
import type { Logger } from './log.ts';

export interface ProgressState {
  done: number;
  total: number;
  /** 0–100. */
  percent: number;
  /** Units of work per second so far, null before any time has passed. */
  ratePerSecond: number | null;
  /** Seconds left at the rate so far, null before anything is done. */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

export function progressOf(done: number, total: number, elapsedMs: number): ProgressState {
  const elapsedSeconds = Math.max(0, elapsedMs) / 1000;
  const ratePerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : null;
  const left = Math.max(0, total - done);
  return {
    done,
    total,
    percent: total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 100,
    ratePerSecond,
    etaSeconds: left === 0 ? 0 : ratePerSecond && done > 0 ? left / ratePerSecond : null,
    elapsedSeconds,
  };
}

/** 5 → "5s", 65 → "1m05s", 3700 → "1h01m"; null → "?". */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The terminal line of `state`: a bar `width` characters wide, counts, rate, ETA and the note. */
export function progressLine(label: string, state: ProgressState, note = '', width = 24): string {
  const filled = state.total > 0 ? Math.min(width, Math.round((state.done / state.total) * width)) : width;
  const rate = state.ratePerSecond === null ? '' : ` ${state.ratePerSecond >= 10 ? Math.round(state.ratePerSecond) : state.ratePerSecond.toFixed(1)}/s`;
  const eta = state.done >= state.total ? ` done in ${formatSeconds(state.elapsedSeconds)}` : ` ETA ${formatSeconds(state.etaSeconds)}`;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${state.done}/${state.total} ${state.percent}%${rate}${eta}${note ? ` · ${note}` : ''}`;
}

export interface ProgressSink {
  /** A terminal: the line is redrawn in place. */
  terminal?: { write(text: string): unknown };
  /** Otherwise: structured lines here. */
  log?: Logger;
}

export interface ProgressOptions {
  now?: () => number;
  /** Least time between two log lines (not on a terminal), ms (default 5,000). */
  logEveryMs?: number;
  /** Least time between two redraws on a terminal, ms (default 100). */
  drawEveryMs?: number;
}

export class Progress {
  private done = 0;
  private readonly started: number;
  private lastLogAt = -Infinity;
  private lastDrawAt = -Infinity;
  private finished = false;
  private readonly now: () => number;

  constructor(
    readonly label: string,
    private total: number,
    private readonly sink: ProgressSink,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  state(): ProgressState {
    return progressOf(this.done, this.total, this.now() - this.started);
  }

  /** `by` more units done; `note` says what (the file, the area). */
  advance(by = 1, note = ''): void {
    this.done = Math.min(this.total, this.done + by);
    this.report(note, this.done >= this.total);
  }

  /** The total changed (more work found). */
  setTotal(total: number): void {
    this.total = Math.max(total, this.done);
  }

  /** The final report (once), whatever was done. */
  finish(note = ''): void {
    if (this.finished) return;
    this.report(note, true);
  }

  /** A message of its own on the terminal, above the progress line (or a log line). */
  say(message: string): void {
    if (this.sink.terminal) this.sink.terminal.write(`\r\x1b[K${message}\n`);
    else this.sink.log?.info(message, { progress: this.label });
  }

  private report(note: string, last: boolean): void {
    if (this.finished) return;
    const at = this.now();
    const state = this.state();
    if (this.sink.terminal) {
      if (!last && at - this.lastDrawAt < (this.options.drawEveryMs ?? 100)) return;
      this.lastDrawAt = at;
      this.sink.terminal.write(`\r\x1b[K${progressLine(this.label, state, note)}${last ? '\n' : ''}`);
    } else if (this.sink.log && (last || at - this.lastLogAt >= (this.options.logEveryMs ?? 5_000))) {
      this.lastLogAt = at;
      const { done, total, percent, ratePerSecond, etaSeconds, elapsedSeconds } = state;
      this.sink.log.info(last ? `${this.label} finished` : `${this.label} progress`, {
        done,
        total,
        percent,
        ratePerSecond: ratePerSecond === null ? null : Math.round(ratePerSecond * 10) / 10,
        etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
        elapsedSeconds: Math.round(elapsedSeconds),
        ...(note ? { note } : {}),
      });
    }
    if (last) this.finished = true;
  }
}

/** The terminal when stderr is one, else `log`. */
export function stderrProgressSink(log: Logger): ProgressSink {
  return process.stderr.isTTY ? { terminal: process.stderr } : { log };
}
