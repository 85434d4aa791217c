import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { installLimits } from './installLimits.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const config = loadConfig({ MAX_REQUEST_BYTES: '2048', MAX_TOKENS: '300', MAX_DEPTH: '4', MAX_ALIASES: '3', MAX_DIRECTIVES: '5', MAX_COST: '20000' });
const yoga = yogaWith([installLimits(config)]);
const ask = async (init: RequestInit) => {
  const response = await yoga.fetch('http://localhost/graphql', init, fromClient('192.0.2.1'));
  return { status: response.status, json: (await response.json()) as any };
};
const codes = (json: any): string[] => (json.errors ?? []).map((e: any) => e.extensions?.code);

/** A body that never ends, counting what was read of it. */
function endlessBody() {
  const read = { bytes: 0 };
  const chunk = new TextEncoder().encode('{"query":"' + ' '.repeat(500));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      read.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, read };
}

describe('installLimits', () => {
  it('refuses a body declared over MAX_REQUEST_BYTES with 413 before reading it', async () => {
    const { body, read } = endlessBody();
    const init = { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '999999' }, body, duplex: 'half' } as RequestInit;
    const { status, json } = await ask(init);
    expect(status).toBe(413);
    expect(json).toEqual({ errors: [{ message: 'Request body of 999999 bytes exceeds the limit of 2048 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 2048 } }] });
    expect(read.bytes).toBeLessThanOrEqual(1024);
  });

  it('refuses a body without a length as soon as it passes the limit, having read at most one chunk more', async () => {
    const { body, read } = endlessBody();
    const { status, json } = await ask({ method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(status).toBe(413);
    expect(codes(json)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(read.bytes).toBeLessThan(2048 + 4 * 510);
  });

  it('answers a body within the limit', async () => {
    const { status, json } = await ask(post({ query: '{ symbols { symbol } }' }));
    expect(status).toBe(200);
    expect(json.data.symbols).toHaveLength(5);
  });

  it.each([
    ['tokens', `{ ${'symbols { symbol } '.repeat(80)} }`, 'MAX_TOKENS_EXCEEDED', 'Token limit of 300 exceeded.'],
    ['depth', '{ symbols { symbol { a { b { c } } } } }', 'MAX_DEPTH_EXCEEDED', 'Query depth limit of 4 exceeded, found 5.'],
    ['aliases', '{ a: symbols { symbol } b: symbols { symbol } c: symbols { symbol } d: symbols { symbol } }', 'MAX_ALIASES_EXCEEDED', 'Aliases limit of 3 exceeded, found 4.'],
    ['directives', `{ symbols { symbol ${'@skip(if: false) '.repeat(6)} } }`, 'MAX_DIRECTIVES_EXCEEDED', 'Directives limit of 5 exceeded, found 6.'],
  ])('refuses too many %s, naming the limit and what it found', async (_what, query, code, message) => {
    const { json } = await ask(post({ query }));
    const error = json.errors.find((e: any) => e.extensions.code === code);
    expect(error).toMatchObject({ message, extensions: { code } });
    expect(json.data).toBeUndefined();
  });

  it('refuses an operation costing more than MAX_COST before it runs, saying the cost and the limit', async () => {
    const side = 'ltp bid ask iv delta gamma theta vega';
    const chain = (alias: string) => `${alias}: optionChain(symbol: "NIFTY", expiry: "2026-12-29") { rows { strike call { ${side} } put { ${side} } } }`;
    // Each chain: the read (50) + rows (1 + 400 strikes × (strike 1 + call 9 + put 9)) = 7,651.
    const { status, json } = await ask(post({ query: `{ ${chain('a')} ${chain('b')} ${chain('c')} }` }, { accept: 'application/graphql-response+json' }));
    expect(status).toBe(400);
    expect(json).toEqual({
      errors: [
        {
          message: 'Query cost 22953 exceeds the limit of 20000: select fewer fields, rows or buckets, or split the query',
          extensions: { code: 'MAX_COST_EXCEEDED', cost: 22953, limit: 20000 },
        },
      ],
    });
  });

  it('costs chainHistory by the range in the variables of each request, not the first verdict on the document', async () => {
    const query = `query History($from: DateTime!, $to: DateTime!) {
      chainHistory(symbol: "NIFTY", expiry: "2026-12-29", from: $from, to: $to, interval: ONE_MINUTE) { bucket pcrOi maxPain atmIv spot totalOi }
    }`;
    const to = Date.UTC(2026, 11, 1, 10, 0);
    const range = (minutes: number) => ({ from: new Date(to - minutes * 60_000).toISOString(), to: new Date(to).toISOString() });
    // 60 buckets × 6 fields + the read 50 + 1 hour: runs (and fails only for want of a database here).
    const hour = await ask(post({ query, variables: range(60) }));
    expect(codes(hour.json)).not.toContain('MAX_COST_EXCEEDED');
    // 4,000 buckets × 6 + 50 + 67 hours.
    const days = await ask(post({ query, variables: range(4000) }));
    expect(days.json.errors[0]).toMatchObject({ extensions: { code: 'MAX_COST_EXCEEDED', cost: 24117, limit: 20000 } });
  });

  it('costs the operation a request names, of several in its document', async () => {
    const side = 'ltp bid ask iv delta gamma theta vega';
    const chain = (alias: string) => `${alias}: optionChain(symbol: "NIFTY", expiry: "2026-12-29") { rows { strike call { ${side} } put { ${side} } } }`;
    const query = `query Cheap { symbols { symbol } } query Dear { ${chain('a')} ${chain('b')} ${chain('c')} }`;
    const cheap = await ask(post({ query, operationName: 'Cheap' }));
    expect(cheap.json).toEqual({ data: { symbols: expect.any(Array) } });
    const dear = await ask(post({ query, operationName: 'Dear' }));
    expect(dear.json.errors).toEqual([expect.objectContaining({ extensions: { code: 'MAX_COST_EXCEEDED', cost: 22953, limit: 20000 } })]);
  });
});
