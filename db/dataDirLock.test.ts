import { mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from './dataDirLock.ts';
import { openDatabase } from './client.ts';

describe('the embedded data directory lock', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'options-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is held with the pid until given back, and refuses a second holder in this process', () => {
    const d = dir();
    const unlock = lockDataDir(d);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataDir(d)).toThrow(DataDirInUseError);
    unlock();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    lockDataDir(d)();
  });

  it('refuses a directory another live process holds, naming it, and takes over from a dead one', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), `${process.ppid}\n`);
    expect(() => lockDataDir(d)).toThrow(`the embedded database in ${d} is in use by process ${process.ppid}`);
    // No process has this pid (above Linux's pid_max of 2^22).
    writeFileSync(join(d, LOCK_FILE), '99999999\n');
    const unlock = lockDataDir(d);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    unlock();
    // A lock left by an earlier process that had this very pid (a restarted container).
    writeFileSync(join(d, LOCK_FILE), `${process.pid}\n`);
    lockDataDir(d)();
  });

  it('keeps a second open of one embedded database out until the first is closed', async () => {
    const d = dir();
    const first = await openDatabase({ dataDir: d });
    await expect(openDatabase({ dataDir: d })).rejects.toThrow(/is in use by process/);
    await first.close();
    const second = await openDatabase({ dataDir: d });
    await second.close();
  }, 120_000);
});
