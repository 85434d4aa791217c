/**
 * /healthz: the process is alive. /readyz: it can serve, with the reasons
 * when it cannot (database unreachable, source failed, nothing processed yet).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from './app.ts';

export function installHealth(services: AppServices): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/healthz') {
      send(response, 200, { status: 'ok' });
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
  try {
    await services.database.ping();
  } catch (error) {
    problems.push(`database: ${error instanceof Error ? error.message : String(error)}`);
  }
  const source = services.source.status();
  if (source.state === 'failed') problems.push(`source ${source.name}: ${source.message ?? 'failed'}`);
  return {
    ready: problems.length === 0,
    problems,
    source,
    processor: services.processor.stats,
    storage: services.storage.stats,
    subscriptionsPublished: services.published.count,
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
