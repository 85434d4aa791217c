/**
 * One process at a time on an embedded database. PGlite takes no lock of
 * its own: two processes opening one data directory (a second `npm start`,
 * or `npm run import` beside a running platform) would both write its files
 * and corrupt it. Opening takes `<dir>/platform.lock` (created exclusively,
 * holding the pid) and closing gives it back. A lock whose process is gone
 * (a crash, a kill -9) is taken over; so is one holding this process's own
 * pid that this process does not hold (a container restarted under the same
 * pid).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'platform.lock';

/** Thrown when another live process holds the directory. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dir} is in use by process ${pid} (a running npm start?): stop it, or give this process its own DATA_DIR ` +
        `(if no such process runs, delete ${join(dir, LOCK_FILE)})`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** Lock files this process holds. */
const held = new Set<string>();

/** Takes the directory's lock; returns what gives it back. */
export function lockDataDir(dir: string): () => void {
  const path = resolve(dir, LOCK_FILE);
  if (held.has(path)) throw new DataDirInUseError(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(path);
      return () => {
        held.delete(path);
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to give back.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dir, holder);
      unlinkSync(path);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
