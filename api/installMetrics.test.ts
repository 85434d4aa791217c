import { describe, expect, it } from 'vitest';
import { createSchema, createYoga } from 'graphql-yoga';
import { createPrometheusMetrics } from './prometheus.ts';
import { installMetrics, MAX_OPERATION_NAMES } from './installMetrics.ts';

function server() {
  const metrics = createPrometheusMetrics();
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { ok: Int, fails: Int }',
      resolvers: {
        Query: {
          ok: () => 1,
          fails: () => {
            throw new Error('no');
          },
        },
      },
    }),
    plugins: installMetrics(metrics).plugins,
    logging: false,
  });
  const post = async (query: string) => (await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json();
  const count = async (labels: string) => {
    const line = (await metrics.scrape()).split('\n').find((l) => l.startsWith('api_operation_duration_seconds_count{') && l.includes(labels));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { post, count };
}

describe('installMetrics', () => {
  it('times each operation by name, type and outcome (error when the result carries errors)', async () => {
    const { post, count } = server();
    await post('query Good { ok }');
    await post('query Good { ok }');
    await post('query Bad { fails }');
    await post('{ ok }');
    expect(await count('operation="Good",type="query",outcome="ok"')).toBe(2);
    expect(await count('operation="Bad",type="query",outcome="error"')).toBe(1);
    expect(await count('operation="anonymous",type="query",outcome="ok"')).toBe(1);
  });

  it(`keeps at most ${MAX_OPERATION_NAMES} operation names and counts the rest as other`, async () => {
    const { post, count } = server();
    for (let i = 0; i < MAX_OPERATION_NAMES + 5; i++) await post(`query Op${i} { ok }`);
    expect(await count(`operation="Op${MAX_OPERATION_NAMES - 1}"`)).toBe(1);
    expect(await count(`operation="Op${MAX_OPERATION_NAMES}"`)).toBe(0);
    expect(await count('operation="other"')).toBe(5);
  });
});
