/**
 * Whether this database can use TimescaleDB, decided from what the server
 * says about itself (pure; db/timescale.ts gathers the facts and acts).
 *
 * Installed is not enough: TimescaleDB must also be preloaded
 * (shared_preload_libraries). Creating or loading the extension on a server
 * that ships it without preloading it is not an error a transaction or an
 * EXCEPTION block can catch: the server answers FATAL ("extension
 * "timescaledb" must be preloaded") and ends the session. So the decision is
 * made before anything touches the extension, and a doubt means plain
 * PostgreSQL, never a crash.
 */

export interface TimescaleFacts {
  /** Version of the extension created in this database, or null. */
  createdVersion: string | null;
  /** Default version the server ships (pg_available_extensions), or null when it ships none. */
  availableVersion: string | null;
  /**
   * shared_preload_libraries as a list, or null when this role may not read
   * it (it needs superuser or pg_read_all_settings).
   */
  preloadLibraries: string[] | null;
  /**
   * Whether TimescaleDB's loader is running in this session: it defines
   * timescaledb.disable_load when, and only when, it was preloaded. Used when
   * shared_preload_libraries cannot be read.
   */
  loaderActive: boolean;
}

export type TimescaleMode =
  /** Use it: the extension exists in this database. */
  | { use: true; create: false; reason: string }
  /** Use it after CREATE EXTENSION: shipped and preloaded, not created yet. */
  | { use: true; create: true; reason: string }
  /** Plain PostgreSQL. */
  | { use: false; create: false; reason: string };

/** Library names in a shared_preload_libraries value ('timescaledb, pg_stat_statements', possibly quoted). */
export function parsePreloadLibraries(setting: string): string[] {
  return setting
    .split(',')
    .map((name) => name.trim().replace(/^"(.*)"$/, '$1'))
    .filter((name) => name.length > 0);
}

/** Whether a preload entry loads TimescaleDB ('timescaledb', or a path such as '$libdir/timescaledb'). */
function loadsTimescale(library: string): boolean {
  return /(^|\/)timescaledb(\.so|\.dylib|\.dll)?$/.test(library);
}

export function decideTimescaleMode(facts: TimescaleFacts): TimescaleMode {
  if (facts.createdVersion !== null) {
    // A created extension means the server had it preloaded then; if it is no
    // longer preloaded every query that touches it fails loudly, which is the
    // operator's cue (plain SQL cannot read Timescale's hypertables anyway).
    return { use: true, create: false, reason: `extension timescaledb ${facts.createdVersion} is created in this database` };
  }
  if (facts.availableVersion === null) {
    return { use: false, create: false, reason: 'the server does not ship the timescaledb extension' };
  }
  const shipped = `the server ships timescaledb ${facts.availableVersion}`;
  if (facts.preloadLibraries !== null) {
    if (facts.preloadLibraries.some(loadsTimescale)) return { use: true, create: true, reason: `${shipped} and preloads it (shared_preload_libraries)` };
    return {
      use: false,
      create: false,
      reason: `${shipped} but does not preload it: add timescaledb to shared_preload_libraries and restart PostgreSQL to use it`,
    };
  }
  if (facts.loaderActive) return { use: true, create: true, reason: `${shipped} and its loader is active (timescaledb.disable_load is defined)` };
  return {
    use: false,
    create: false,
    reason: `${shipped} but whether it is preloaded cannot be told (reading shared_preload_libraries needs pg_read_all_settings, and its loader is not active)`,
  };
}
