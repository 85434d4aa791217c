/**
 * Entry point: `npm start` runs every role in one process on the embedded
 * defaults (PGlite under DATA_DIR, in-process bus, market simulator), GraphQL
 * with GraphiQL at http://localhost:4000/graphql, the web client at
 * http://localhost:4000/ (built first by the prestart script, web-client/build.ts).
 */
import { ConfigError, loadConfig } from './core/config.ts';
import { buildApp } from './api/app.ts';
import { startTracing } from './api/tracing.ts';
import { createLogger, secretsOf } from './core/log.ts';

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
  // Before anything runs, so every span has a provider to go to (OTEL_EXPORTER_OTLP_ENDPOINT set), or none at all.
  const tracing = startTracing({ serviceName: `options-${config.ROLE}`, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await buildApp(config);
  // Secrets among them are redacted like in every other line (core/log.ts).
  app.services.log.debug('configuration', Object.fromEntries(Object.entries(config).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))));
  await app.start();
  if (tracing) app.services.log.info('tracing', { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
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
      await tracing?.shutdown().catch(() => {});
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
  // Through a logger of its own, so a secret in the error (a URL with its password) is redacted too.
  createLogger('error', {}, undefined, { secrets: secretsOf(process.env) }).error('failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
