import { describe, expect, it } from 'vitest';
import { decideTimescaleMode, parsePreloadLibraries, type TimescaleFacts } from './timescaleMode.ts';

const shippedNotCreated: TimescaleFacts = { createdVersion: null, availableVersion: '2.28.3', preloadLibraries: [], loaderActive: false };

describe('deciding whether TimescaleDB can be used', () => {
  it('uses an extension already created in the database, without creating it again', () => {
    expect(decideTimescaleMode({ ...shippedNotCreated, createdVersion: '2.28.3' })).toMatchObject({ use: true, create: false });
  });

  it('creates the extension when the server ships and preloads it', () => {
    const mode = decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: ['pg_stat_statements', 'timescaledb'] });
    expect(mode).toMatchObject({ use: true, create: true });
    expect(mode.reason).toMatch(/preloads it/);
  });

  it('accepts a preload entry written as a library path', () => {
    expect(decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: ['$libdir/timescaledb'] })).toMatchObject({ use: true, create: true });
  });

  it('stays on plain PostgreSQL when the extension ships but is not preloaded (issue 10: CREATE EXTENSION ended the session with FATAL)', () => {
    const mode = decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: ['pg_stat_statements'] });
    expect(mode).toMatchObject({ use: false, create: false });
    expect(mode.reason).toMatch(/does not preload it.*shared_preload_libraries/);
  });

  it('does not mistake another library with timescaledb in its name for it', () => {
    expect(decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: ['timescaledb_toolkit'] })).toMatchObject({ use: false });
  });

  it('stays on plain PostgreSQL when the server does not ship the extension', () => {
    const mode = decideTimescaleMode({ createdVersion: null, availableVersion: null, preloadLibraries: null, loaderActive: false });
    expect(mode).toMatchObject({ use: false });
    expect(mode.reason).toMatch(/does not ship/);
  });

  it('trusts the active loader when shared_preload_libraries cannot be read, and doubts otherwise', () => {
    expect(decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: null, loaderActive: true })).toMatchObject({ use: true, create: true });
    const doubt = decideTimescaleMode({ ...shippedNotCreated, preloadLibraries: null, loaderActive: false });
    expect(doubt).toMatchObject({ use: false });
    expect(doubt.reason).toMatch(/cannot be told/);
  });

  it('reads shared_preload_libraries as PostgreSQL writes it', () => {
    expect(parsePreloadLibraries('')).toEqual([]);
    expect(parsePreloadLibraries('timescaledb')).toEqual(['timescaledb']);
    expect(parsePreloadLibraries('pg_stat_statements, "timescaledb"')).toEqual(['pg_stat_statements', 'timescaledb']);
  });
});
