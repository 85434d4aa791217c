import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { schema } from '../schema/index.ts';
import { loadConfig } from '../core/config.ts';
import { compile, installCompiledQueries, literalsKeepTheirValue } from './installCompiledQueries.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const compiled = yogaWith([installCompiledQueries(loadConfig({ COMPILED_QUERIES: 'true' }))]);
const interpreted = yogaWith([installCompiledQueries(loadConfig({ COMPILED_QUERIES: 'false' }))]);
const ask = async (yoga: typeof compiled, body: unknown) => {
  const response = await yoga.fetch('http://localhost/graphql', post(body), fromClient('192.0.2.1'));
  return { status: response.status, json: (await response.json()) as any };
};

/** Requests the schema answers without a database (the test server has none), or refuses before reading it. */
const REQUESTS: [string, unknown][] = [
  ['fields and a list', { query: '{ symbols { symbol lotSize strikeStep } }' }],
  ['variables', { query: 'query S($s: String!) { expiries(symbol: $s) }', variables: { s: 'NOPE' } }],
  ['a malformed DateTime literal', { query: '{ optionChain(symbol: "NIFTY", at: "yesterday") { spot } }' }],
  ['a DateTime literal without a zone', { query: '{ optionChain(symbol: "NIFTY", at: "2026-11-23T10:00:00") { spot } }' }],
  ['a malformed Date literal', { query: '{ optionChain(symbol: "NIFTY", expiry: "2026-02-30") { spot } }' }],
  ['a malformed DateTime variable', { query: 'query C($at: DateTime) { optionChain(symbol: "NIFTY", at: $at) { spot } }', variables: { at: 5 } }],
  ['a malformed Date variable', { query: 'query C($e: Date) { optionChain(symbol: "NIFTY", expiry: $e) { spot } }', variables: { e: 'soon' } }],
  ['a variable of the wrong type', { query: 'query S($s: String!) { expiries(symbol: $s) }', variables: { s: { a: 1 } } }],
  ['a missing variable', { query: 'query S($s: String!) { expiries(symbol: $s) }', variables: {} }],
  ['an unknown symbol', { query: '{ optionChain(symbol: "NOPE", at: "2026-11-23T10:00:00Z") { spot } }' }],
  ['an instant in the future', { query: 'query C($at: DateTime) { optionChain(symbol: "NIFTY", expiry: "2026-11-24", at: $at) { spot } }', variables: { at: '9999-01-01T00:00:00Z' } }],
];

describe('installCompiledQueries', () => {
  it.each(REQUESTS)('answers %s exactly as graphql-js does', async (_what, body) => {
    expect(await ask(compiled, body)).toEqual(await ask(interpreted, body));
  });

  it('keeps the clear errors for malformed Date and DateTime inputs, literal or variable', async () => {
    const literal = await ask(compiled, REQUESTS[2][1]);
    expect(literal.json.errors[0]).toMatchObject({ message: expect.stringMatching(/^Argument "at" must be an ISO-8601 timestamp/), extensions: { code: 'BAD_USER_INPUT', argument: 'at' } });
    const variable = await ask(compiled, REQUESTS[5][1]);
    expect(variable.json.errors[0]).toMatchObject({ message: expect.stringMatching(/^Argument "at" must be an ISO-8601 timestamp.*got 5$/), extensions: { code: 'BAD_USER_INPUT', argument: 'at' } });
  });

  it('compiles queries whose literals keep their value, and leaves the others to graphql-js', () => {
    const compiles = (source: string) => compile(schema, parse(source)) !== null;
    expect(compiles('query C($at: DateTime) { optionChain(symbol: "NIFTY", at: $at) { spot } }')).toBe(true);
    expect(compiles('{ optionChain(symbol: "NIFTY", expiry: "2026-11-24", at: "2026-11-23T10:00:00Z") { spot } }')).toBe(true);
    expect(compiles('{ optionChain(symbol: "NIFTY", at: "yesterday") { spot } }')).toBe(false);
    expect(compiles('{ optionChain(symbol: "NIFTY", expiry: 20261124) { spot } }')).toBe(false);
    expect(compiles('subscription { chainUpdated(symbol: "NIFTY") { spot } }')).toBe(false);
    expect(literalsKeepTheirValue(schema, parse('{ optionChain(symbol: "NIFTY", at: null) { spot } }'))).toBe(true);
  });
});
