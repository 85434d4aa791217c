/**
 * Entry point: `npm start` runs every role in one process on the embedded
 * defaults (PGlite under DATA_DIR, in-process bus, market simulator), GraphQL
 * with GraphiQL at http://localhost:4000/graphql, the web client at
 * http://localhost:4000/ (built first by the prestart script, web-client/build.ts).
 */
import { ConfigError, loadConfig } from './core/config.ts';
import { buildApp } from './api/app.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await buildApp(config);
  await app.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.services.log.info('shutting down', { signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS });
    // The last word: whatever still hangs at the deadline does not keep the process alive.
    setTimeout(() => {
      app.services.log.error('shutdown deadline passed; exiting', { deadlineMs: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      app.services.log.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 'error', message: 'failed to start', error: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
