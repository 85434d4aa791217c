/**
 * The `x-cache` response header of a GraphQL request that read history
 * through the history cache (schema/historyCache.ts): `hit` when every such
 * read was answered from the cache (memory or Redis), `miss` when every one
 * loaded from the database, `partial` when some of each; absent when the
 * request read no history through it (other fields, or no cache).
 */
import type { Context } from '../schema/builder.ts';
import type { Installation, YogaPlugin } from './installation.ts';

export function installCacheHeader(): Installation {
  return { plugins: [reportCacheOutcomes()] };
}

export function cacheHeaderValue({ hits, misses }: { hits: number; misses: number }): 'hit' | 'miss' | 'partial' | null {
  if (hits + misses === 0) return null;
  return misses === 0 ? 'hit' : hits === 0 ? 'miss' : 'partial';
}

function reportCacheOutcomes(): YogaPlugin {
  // The request's context, found again from its Request when the response is built.
  const outcomes = new WeakMap<Request, NonNullable<Context['cacheOutcomes']>>();
  return {
    onExecute({ args }) {
      const context = args.contextValue as Context & { request?: Request };
      if (context.request && context.cacheOutcomes) outcomes.set(context.request, context.cacheOutcomes);
    },
    onResponse({ request, response }) {
      const counted = outcomes.get(request);
      const value = counted && cacheHeaderValue(counted);
      if (value) response.headers.set('x-cache', value);
    },
  };
}
