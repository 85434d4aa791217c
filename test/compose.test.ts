/**
 * The deployment files, checked without a Docker engine: docker-compose.yml
 * is parsed (YAML anchors and merge keys resolved, as Compose does), the
 * Dockerfile and scripts/preflight.sh are read, and every environment
 * variable the app services get must be one core/config.ts reads.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../core/config.ts';
import { createPrometheusMetrics } from '../api/prometheus.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const path = (relative: string) => `${root}${relative}`;

interface Service {
  image?: string;
  command?: string | string[];
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  ports?: unknown[];
  deploy?: {
    resources?: {
      limits?: { cpus?: string | number; memory?: string };
      reservations?: { cpus?: string | number; memory?: string };
    };
  };
}

const compose = parse(readFileSync(path('docker-compose.yml'), 'utf8'), { merge: true }) as {
  version?: unknown;
  services: Record<string, Service>;
};
const services = compose.services;

const INFRASTRUCTURE = ['timescaledb', 'redpanda', 'redis'] as const;
const OBSERVABILITY = ['prometheus', 'grafana', 'jaeger'] as const;
const ROLES = ['ingest', 'process', 'analytics', 'store', 'api'] as const;

/** What each role must wait for (healthy) before it starts. */
const NEEDS: Record<(typeof ROLES)[number], string[]> = {
  ingest: ['redpanda'],
  process: ['redpanda'],
  analytics: ['redpanda', 'timescaledb'],
  store: ['redpanda', 'timescaledb'],
  api: ['timescaledb', 'redis'],
};

/** The keys of the zod object `envSchema` in core/config.ts. */
function configVariables(): Set<string> {
  const source = readFileSync(path('core/config.ts'), 'utf8');
  const start = source.indexOf('const envSchema = z.object({');
  expect(start, 'core/config.ts defines envSchema').toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf('\n});', start));
  return new Set([...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]));
}

function environmentOf(service: Service): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
}

/** Compose interpolation with every variable unset: `${NAME:-default}` → default. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
}

function dependencies(service: Service): Record<string, { condition?: string }> {
  const dependsOn = service.depends_on ?? {};
  return Array.isArray(dependsOn) ? Object.fromEntries(dependsOn.map((name) => [name, {}])) : dependsOn;
}

/** "1.5" → 1.5; "512M", "1G", "1280m" → bytes. */
function bytes(memory: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(memory.trim());
  if (!match) return NaN;
  const unit = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

describe('docker-compose.yml', () => {
  it('follows the Compose specification without the obsolete version key', () => {
    expect(compose.version).toBeUndefined();
  });

  it('defines TimescaleDB, Redpanda, Redis and one service per pipeline role', () => {
    for (const name of [...INFRASTRUCTURE, ...ROLES]) expect(Object.keys(services), name).toContain(name);
  });

  it('runs TimescaleDB on PostgreSQL 16, Redpanda and Redis 7 from their official images', () => {
    expect(services.timescaledb.image).toMatch(/^timescale\/timescaledb:.*pg16/);
    expect(services.redpanda.image).toMatch(/^redpandadata\/redpanda/);
    expect(services.redis.image).toMatch(/^redis:7/);
  });

  it.each(ROLES)('builds the %s role from the project Dockerfile and sets ROLE to its name', (role) => {
    const build = services[role].build;
    const context = typeof build === 'string' ? build : build?.context;
    const dockerfile = typeof build === 'string' ? undefined : build?.dockerfile;
    expect(context, `${role} build context`).toMatch(/^\.\/?$/);
    expect(dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(environmentOf(services[role]).ROLE).toBe(role);
  });

  it.each([...INFRASTRUCTURE, ...OBSERVABILITY, ...ROLES])('gives %s a healthcheck and a restart policy', (name) => {
    const service = services[name];
    expect(service.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
    expect(service.healthcheck?.disable).not.toBe(true);
    expect(service.restart).toBe('unless-stopped');
  });

  it.each([...INFRASTRUCTURE, ...OBSERVABILITY, ...ROLES])('limits the CPU and memory of %s', (name) => {
    const resources = services[name].deploy?.resources;
    const cpus = Number(resources?.limits?.cpus);
    const memory = bytes(String(resources?.limits?.memory ?? ''));
    expect(cpus, `${name} cpus limit`).toBeGreaterThan(0);
    expect(memory, `${name} memory limit`).toBeGreaterThan(0);
    const reservations = resources?.reservations;
    if (reservations?.cpus !== undefined) expect(Number(reservations.cpus)).toBeLessThanOrEqual(cpus);
    if (reservations?.memory !== undefined) expect(bytes(String(reservations.memory))).toBeLessThanOrEqual(memory);
  });

  it('checks the health of the roles on /healthz with node, the database with pg_isready, Redis with redis-cli and Redpanda with rpk', () => {
    const command = (name: string) => [services[name].healthcheck?.test ?? []].flat().join(' ');
    for (const role of ROLES) expect(command(role)).toMatch(/node .*\/healthz/);
    expect(command('timescaledb')).toContain('pg_isready');
    expect(command('redis')).toContain('redis-cli ping');
    expect(command('redpanda')).toContain('rpk cluster health');
  });

  it.each(ROLES)('starts the %s role only once the services it needs are healthy', (role) => {
    const dependsOn = dependencies(services[role]);
    for (const needed of NEEDS[role]) expect(dependsOn[needed]?.condition, `${role} → ${needed}`).toBe('service_healthy');
    for (const [name, dependency] of Object.entries(dependsOn)) {
      expect(Object.keys(services)).toContain(name);
      expect(dependency.condition, `${role} → ${name}`).toBe('service_healthy');
    }
  });

  it('sets on the app services only environment variables that core/config.ts reads', () => {
    const known = configVariables();
    expect(known.size).toBeGreaterThan(20);
    for (const variable of ['ROLE', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS']) expect(known).toContain(variable);
    for (const role of ROLES) {
      for (const variable of Object.keys(environmentOf(services[role]))) {
        expect(known.has(variable), `${role} sets ${variable}, which core/config.ts does not read`).toBe(true);
      }
    }
  });

  it('points DATABASE_URL, REDIS_URL and KAFKA_BROKERS at the compose services', () => {
    for (const role of ROLES) {
      const environment = environmentOf(services[role]);
      expect(environment.KAFKA_BROKERS, `${role} KAFKA_BROKERS`).toBe('redpanda:9092');
      expect(environment.REDIS_URL, `${role} REDIS_URL`).toBe('redis://redis:6379');
      if (role === 'store' || role === 'api') expect(environment.DATABASE_URL, `${role} DATABASE_URL`).toBeDefined();
      if (environment.DATABASE_URL !== undefined) {
        const url = new URL(interpolateDefaults(environment.DATABASE_URL));
        expect(url.protocol).toBe('postgres:');
        expect(url.hostname).toBe('timescaledb');
        expect(url.port).toBe('5432');
        expect(url.pathname.length).toBeGreaterThan(1);
      }
    }
  });

  it('makes every role listen on all interfaces of its container (HOST=0.0.0.0; the default is loopback)', () => {
    for (const role of ROLES) expect(environmentOf(services[role]).HOST, `${role} HOST`).toBe('0.0.0.0');
  });

  it('reads .env as an optional env file on every role', () => {
    for (const role of ROLES) {
      expect(services[role].env_file, role).toEqual([{ path: '.env', required: false }]);
    }
  });

  it('gives every role longer to stop than its shutdown deadline, so nothing is killed mid-spool', () => {
    const deadlineMs = loadConfig({}).SHUTDOWN_TIMEOUT_MS;
    for (const role of ROLES) {
      const grace = String((services[role] as { stop_grace_period?: string }).stop_grace_period ?? '10s');
      const match = /^(\d+)s$/.exec(grace);
      expect(match, `${role}: stop_grace_period ${grace} in seconds`).not.toBeNull();
      const overridden = Number(environmentOf(services[role]).SHUTDOWN_TIMEOUT_MS ?? deadlineMs);
      expect(Number(match![1]) * 1000, `${role}: stop_grace_period vs SHUTDOWN_TIMEOUT_MS`).toBeGreaterThanOrEqual(overridden + 5_000);
    }
  });

  it('publishes the GraphQL API on port 4000', () => {
    const ports = (services.api.ports ?? []).map((port) => interpolateDefaults(String(port)));
    expect(ports.some((port) => /(^|:)4000:4000$/.test(port))).toBe(true);
  });
});

describe('observability in docker-compose.yml', () => {
  const prometheus = parse(readFileSync(path('observability/prometheus.yml'), 'utf8')) as {
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  const dashboard = JSON.parse(readFileSync(path('observability/grafana/dashboards/options-platform.json'), 'utf8')) as {
    uid: string;
    panels: { type: string; title: string; targets?: { expr: string; datasource?: { uid?: string } }[] }[];
  };
  const mounts = (name: string) => ((services[name] as { volumes?: string[] }).volumes ?? []).map((v) => v.split(':'));

  it('runs Prometheus, Grafana and Jaeger from their official images, each with its configuration mounted read-only', () => {
    expect(services.prometheus.image).toMatch(/^prom\/prometheus/);
    expect(services.grafana.image).toMatch(/^grafana\/grafana/);
    expect(services.jaeger.image).toMatch(/^jaegertracing\//);
    for (const [name, files] of [
      ['prometheus', ['./observability/prometheus.yml']],
      ['grafana', ['./observability/grafana/provisioning', './observability/grafana/dashboards']],
      ['jaeger', ['./observability/jaeger.yaml']],
    ] as const) {
      for (const file of files) {
        const mount = mounts(name).find(([source]) => source === file);
        expect(mount, `${name} mounts ${file}`).toBeDefined();
        expect(mount![2], `${file} read-only`).toBe('ro');
        expect(existsSync(path(file.slice(2))), file).toBe(true);
      }
    }
  });

  it('scrapes /metrics of every role on its container port', () => {
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'options-platform');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = job!.static_configs.flatMap((c) => c.targets);
    for (const role of ROLES) expect(targets, role).toContain(`${role}:${environmentOf(services[role]).PORT}`);
  });

  it('sends every role’s traces to Jaeger over OTLP/HTTP', () => {
    for (const role of ROLES) expect(environmentOf(services[role]).OTEL_EXPORTER_OTLP_ENDPOINT, role).toBe('http://jaeger:4318');
    // Jaeger v2 takes OTLP/HTTP on 4318 by its configuration, which the roles' endpoint names.
    const jaeger = parse(readFileSync(path('observability/jaeger.yaml'), 'utf8')) as {
      service: { extensions: string[]; pipelines: { traces: { receivers: string[] } } };
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      extensions: { healthcheckv2: { http: { endpoint: string } }; jaeger_query: { http: { endpoint: string } } };
    };
    expect(jaeger.service.pipelines.traces.receivers).toContain('otlp');
    expect(jaeger.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(services.jaeger.command).toEqual(['--config=/etc/jaeger/config.yaml']);
    expect(mounts('jaeger').find(([source]) => source === './observability/jaeger.yaml')?.[1]).toBe('/etc/jaeger/config.yaml');
    // Its health check and UI are served where compose probes and publishes them.
    expect(jaeger.service.extensions).toEqual(expect.arrayContaining(['healthcheckv2', 'jaeger_query', 'jaeger_storage']));
    expect([services.jaeger.healthcheck?.test ?? []].flat().join(' ')).toContain(`http://127.0.0.1:${jaeger.extensions.healthcheckv2.http.endpoint.split(':')[1]}/status`);
    expect(jaeger.extensions.jaeger_query.http.endpoint).toBe('0.0.0.0:16686');
  });

  it('provisions Grafana with the Prometheus and Jaeger data sources and the dashboard folder', () => {
    const datasources = parse(readFileSync(path('observability/grafana/provisioning/datasources/datasources.yml'), 'utf8')) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources.map((d) => [d.uid, d.url])).toEqual([
      ['prometheus', 'http://prometheus:9090'],
      ['jaeger', 'http://jaeger:16686'],
    ]);
    const providers = parse(readFileSync(path('observability/grafana/provisioning/dashboards/dashboards.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const dashboardsMount = mounts('grafana').find(([source]) => source === './observability/grafana/dashboards');
    expect(providers.providers[0]!.options.path).toBe(dashboardsMount![1]);
  });

  it('has dashboard panels on pipeline rates and lags, API latency, subscriptions and errors, whose queries name only metrics the platform serves', () => {
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const topic of [/ingested/i, /lag/i, /latency/i, /subscriptions/i, /errors/i, /dead letters/i]) expect(titles).toMatch(topic);
    // What the code registers (the components' and api/serviceMetrics.ts' calls), and prom-client's process metrics.
    const source = ['pipeline/processor.ts', 'pipeline/storage.ts', 'api/app.ts', 'api/installMetrics.ts', 'api/serviceMetrics.ts'].map((f) => readFileSync(path(f), 'utf8')).join('\n');
    const registered = new Set([...source.matchAll(/(?:counter|gauge|histogram|collected\('(?:counter|gauge)',)\s*\(?'([a-z0-9_]+)'/g)].map((m) => m[1]));
    for (const metric of createPrometheusMetrics().registry.getMetricsAsArray()) registered.add(metric.name);
    expect(registered.size).toBeGreaterThan(30);
    const FUNCTIONS = new Set(['histogram_quantile']);
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []);
    expect(exprs.length).toBeGreaterThan(15);
    for (const { expr, datasource } of exprs) {
      expect(datasource?.uid).toBe('prometheus');
      const names = [...expr.matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)].map((m) => m[1]).filter((n) => !FUNCTIONS.has(n));
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(registered.has(name.replace(/_(bucket|count|sum)$/, '')), `${name} in ${expr}`).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path('Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('builds on node 20 bookworm-slim, installs exactly the lockfile (npm ci) and runs as a non-root user', () => {
    expect(instructions[0]).toMatch(/^FROM node:20-bookworm-slim/);
    expect(instructions.some((line) => /^RUN npm ci\b/.test(line))).toBe(true);
    expect(instructions.some((line) => /^ENV NODE_ENV=production/.test(line))).toBe(true);
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
  });

  it('exposes port 4000, checks /healthz with node and starts with npm start', () => {
    expect(instructions).toContain('EXPOSE 4000');
    const healthcheck = instructions.find((line) => line.startsWith('HEALTHCHECK'));
    expect(healthcheck).toMatch(/CMD node -e .*\/healthz/);
    expect(instructions.filter((line) => line.startsWith('CMD ')).at(-1)).toBe('CMD ["npm", "start"]');
  });

  it('keeps node_modules, .data, .git and .env out of the build context', () => {
    const ignored = readFileSync(path('.dockerignore'), 'utf8').split(/\r?\n/).map((line) => line.trim());
    for (const entry of ['node_modules', '.data', '.git', 'coverage', '*.log', '.env']) expect(ignored).toContain(entry);
  });
});

describe('scripts/preflight.sh', () => {
  const script = path('scripts/preflight.sh');

  it('exists, is executable and is valid bash', () => {
    expect(existsSync(script)).toBe(true);
    expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    expect(() => execFileSync('bash', ['-n', script], { stdio: 'pipe' })).not.toThrow();
  });

  it('stops on errors and checks tools, credentials, ports, the compose file and running services', () => {
    const source = readFileSync(script, 'utf8');
    expect(source).toMatch(/^#!\/usr\/bin\/env bash/);
    expect(source).toContain('set -euo pipefail');
    for (const fragment of ['docker compose version', 'DHAN_ACCESS_TOKEN', 'DHAN_CLIENT_ID', 'docker compose config -q', '--running', 'pg_isready', 'redis-cli ping', 'rpk cluster health', '/readyz']) {
      expect(source, fragment).toContain(fragment);
    }
  });
});
