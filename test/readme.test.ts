/**
 * Every GraphQL example of the README, run as a newcomer runs it: pasted into
 * GraphiQL against `npm start`'s embedded default (here on port 0), queries
 * over HTTP and subscriptions over graphql-ws, with the variables filled in
 * the way the README tells the reader to. The examples must work on any day,
 * so the README can never drift from the API again.
 *
 * A JSON block right after an example is its variables; each string value is
 * a placeholder the README explains, and FILL below says how a reader obtains
 * it. A placeholder missing from FILL fails the test: teach it how the README
 * tells the reader to fill it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../api/installGraphiQL.ts';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode } from 'graphql';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { scratchDir } from './fixtures.ts';
import { openTestDatabase } from './database.ts';
import type { DatabaseHandle } from '../db/client.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Example {
  query: string;
  /** The JSON block after it, as written (placeholders). */
  variables?: Record<string, unknown>;
  operation: OperationDefinitionNode;
}

/** The ```graphql blocks of the README, each with the ```json block that directly follows it. */
function readmeExamples(markdown: string): Example[] {
  const blocks = [...markdown.matchAll(/```graphql\n([\s\S]*?)```(?:\s*```json\n([\s\S]*?)```)?/g)];
  return blocks.map(([, query, json]) => {
    const [operation] = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return { query, variables: json === undefined ? undefined : JSON.parse(json), operation };
  });
}

interface ListedExpiry {
  date: string;
  hasData: boolean;
  firstSnapshotAt: string | null;
  lastSnapshotAt: string | null;
}

/** How a reader fills each placeholder, from what the README's first example answered. */
const FILL: Record<string, (expiries: ListedExpiry[]) => unknown> = {
  'a date with hasData: true': (expiries) => expiries.find((e) => e.hasData)!.date,
  'its firstSnapshotAt': (expiries) => expiries.find((e) => e.hasData)!.firstSnapshotAt,
  'a later instant, such as now': () => new Date().toISOString(),
};

let app: App;
let database: DatabaseHandle;
let url: string;
let ws: Client;

async function post(query: string, variables?: Record<string, unknown>): Promise<{ data?: Record<string, any>; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

/** The first event of a subscription, or what ended it; fails after `timeoutMs`. */
function firstEvent(query: string, variables?: Record<string, unknown>, timeoutMs = 15_000): Promise<{ data?: Record<string, any> | null; errors?: unknown }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no event within ${timeoutMs} ms for ${query}`));
    }, timeoutMs);
    const settle = (value: { data?: Record<string, any> | null; errors?: unknown }) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    const unsubscribe = ws.subscribe(
      { query, variables },
      { next: (event) => settle(event as never), error: (errors) => settle({ errors }), complete: () => settle({ errors: 'completed without an event' }) },
    );
  });
}

const examples = readmeExamples(README);
/** The first example lists the expiries; the others take their variables from its answer. */
let expiryList: ListedExpiry[];

beforeAll(async () => {
  database = await openTestDatabase();
  // The embedded default of `npm start`, as it is (a faster simulator would only queue the examples behind its writes).
  const config = loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', DATA_DIR: scratchDir('readme') });
  app = await buildApp(config, { database });
  const started = await app.start(0);
  url = started.url;
  ws = createClient({ url: `ws://127.0.0.1:${started.port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  // "those have `hasData: true` a second after the start": wait for them as a reader would.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { data } = await post(examples[0].query);
    expiryList = data?.expiryList ?? [];
    if (expiryList.filter((e) => e.hasData).length >= 2 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await ws?.dispose();
  await app?.stop();
  await database?.close();
});

describe('the README', () => {
  it('keeps the two commands on its first screen', () => {
    const firstScreen = README.split('\n').slice(0, 15).join('\n');
    expect(firstScreen).toContain('npm ci && npm start');
    expect(firstScreen).toContain('npm ci && npm test');
  });

  it('starts with an example listing the NIFTY expiries, the nearest two with data', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(examples[0].query).toMatch(/expiryList\(symbol: "NIFTY"\)/);
    expect(expiryList.slice(0, 2).map((e) => e.hasData)).toEqual([true, true]);
    expect(expiryList.slice(2).every((e) => !e.hasData)).toBe(true);
  });

  it.each(examples.map((example, i) => [i + 1, example.operation.name?.value ?? example.operation.operation, example] as const))(
    'example %i (%s) works as pasted, with the variables the README says to fill in',
    async (_number, _name, example) => {
      const declared = (example.operation.variableDefinitions ?? []).map((v) => v.variable.name.value).sort();
      expect(Object.keys(example.variables ?? {}).sort(), 'the README gives a value for every variable the example declares').toEqual(declared);
      const variables =
        example.variables &&
        Object.fromEntries(
          Object.entries(example.variables).map(([name, placeholder]) => {
            const fill = FILL[String(placeholder)];
            if (!fill) throw new Error(`README variable ${name}: no rule for the placeholder ${JSON.stringify(placeholder)}; add to FILL how the README tells the reader to obtain it`);
            return [name, fill(expiryList)];
          }),
        );
      const result = example.operation.operation === OperationTypeNode.SUBSCRIPTION ? await firstEvent(example.query, variables) : await post(example.query, variables);
      expect(result.errors).toBeUndefined();
      for (const [field, value] of Object.entries(result.data ?? {})) expect(value, field).not.toBeNull();
      expect(Object.keys(result.data ?? {}).length).toBeGreaterThan(0);
    },
  );

  it("runs both operations of GraphiQL's default query (regression: GraphiQL ignored the configured default)", async () => {
    const post = async (operationName: string) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DEFAULT_QUERY, operationName }) });
      return (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
    };
    const symbols = await post('Symbols');
    expect(symbols.errors).toBeUndefined();
    expect(symbols.data?.expiryList.some((e: { hasData: boolean }) => e.hasData)).toBe(true);
    const chain = await post('NearestChain');
    expect(chain.errors).toBeUndefined();
    expect(chain.data?.optionChain.expiry).toBe(expiryList.find((e) => e.hasData)!.date);
  });

  it('answers a chain without `expiry` for the nearest expiry with data, as it says', async () => {
    const { data } = await post('{ optionChain(symbol: "NIFTY") { expiry } }');
    expect(data?.optionChain.expiry).toBe(expiryList.find((e) => e.hasData)!.date);
  });
});
