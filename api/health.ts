/**
 * /healthz: the process is alive. /readyz: it can serve its role, with the
 * reasons when it cannot (database unreachable, source failed, storage
 * retrying) and the role's counters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from './app.ts';

export function installHealth(services: AppServices): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/healthz') {
      send(response, 200, { status: 'ok', role: services.role });
      return true;
    }
    if (path === '/readyz') {
      void readiness(services).then((report) => send(response, report.ready ? 200 : 503, report));
      return true;
    }
    return false;
  };
}

async function readiness(services: AppServices) {
  const problems: string[] = [];
  if (services.database) {
    try {
      await services.database.ping();
    } catch (error) {
      problems.push(`database: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const source = services.source?.status();
  if (source?.state === 'failed') problems.push(`source ${source.name}: ${source.message ?? 'failed'}`);
  if (services.storage?.stats.lastError) problems.push(`storage: ${services.storage.stats.lastError}`);
  return {
    ready: problems.length === 0,
    role: services.role,
    problems,
    source,
    processor: services.processor?.stats,
    storage: services.storage?.stats,
    subscriptionsPublished: services.pubsub ? services.published.count : undefined,
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
