/**
 * Roles and their plans: what a caller of each role may ask for. A plan is
 * held in the database (table plans, edited by an admin's updatePlan) over
 * the configured defaults (defaultPlans, AUTH_PLANS).
 *
 * Features name groups of root fields (schema/access.ts maps each field to
 * one); `*` in symbols or features means all. historyDays bounds how far back
 * a read may start (null: no bound). Rates and caps are per window, per
 * caller (user, API key or address): calls of each field, and the cost
 * points (the operation costs MAX_COST bounds, as the field descriptions
 * state) all its operations may spend together.
 */
import { z } from 'zod';

export const ROLES = ['anonymous', 'free', 'pro', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const FEATURES = ['chain', 'analytics', 'mood', 'charts', 'events', 'participants', 'playback', 'calculators'] as const;
export type Feature = (typeof FEATURES)[number];

/** The deepest nesting any plan may allow (the API's own ceiling). */
export const MAX_PLAN_DEPTH = 64;

export const planSchema = z
  .object({
    /** Symbols this role may read, or ['*']. */
    symbols: z.array(z.string().regex(/^([A-Z0-9]+|\*)$/, 'a symbol in capitals, or *')).max(100),
    /** Features (FEATURES), or ['*']. */
    features: z.array(z.enum([...FEATURES, '*'])).max(FEATURES.length + 1),
    /** Days back a read may start; null: no bound. */
    historyDays: z.number().int().min(0).max(36_500).nullable(),
    /** Whether subscriptions (WebSocket or SSE) are allowed at all. */
    subscriptions: z.boolean(),
    /** Calls of each query field per rate-limit window; 0: no limit. */
    requestsPerWindow: z.number().int().min(0),
    /** Cost points (each operation's cost, as MAX_COST counts it) all of a caller's operations may spend per rate-limit window; 0: no budget. */
    costPerWindow: z.number().int().min(0),
    /** Deepest selection nesting. */
    maxDepth: z.number().int().min(2).max(MAX_PLAN_DEPTH),
    /** Subscriptions open at once per caller (user, key or address), across every API replica sharing a Redis. */
    maxSubscriptions: z.number().int().min(0).max(10_000),
    /** WebSocket connections open at once per signed-in user (its tokens and keys together, across every API replica sharing a Redis); an anonymous caller is held per address by SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT instead. */
    maxConnections: z.number().int().min(1).max(1_000_000),
  })
  .strict();
export type Plan = z.infer<typeof planSchema>;
export type Plans = Readonly<Record<Role, Plan>>;

export interface PlanDefaultsInput {
  requestsPerWindow: number;
  costPerWindow: number;
  maxDepth: number;
  maxSubscriptions: number;
  maxConnections: number;
}

/**
 * The defaults: anonymous callers get everything (so the embedded default is
 * what it always was; ALLOW_ANONYMOUS=false turns them away), free users two
 * symbols and a month back, pro everything for a year with ten times the
 * rate and cost budget, admin everything, unlimited and deeper.
 */
export function defaultPlans({ requestsPerWindow, costPerWindow, maxDepth, maxSubscriptions, maxConnections }: PlanDefaultsInput): Plans {
  return {
    anonymous: { symbols: ['*'], features: ['*'], historyDays: null, subscriptions: true, requestsPerWindow, costPerWindow, maxDepth, maxSubscriptions, maxConnections },
    free: { symbols: ['NIFTY', 'BANKNIFTY'], features: ['chain', 'analytics', 'mood', 'charts', 'events', 'calculators'], historyDays: 30, subscriptions: true, requestsPerWindow, costPerWindow, maxDepth, maxSubscriptions: Math.min(5, maxSubscriptions), maxConnections: Math.min(5, maxConnections) },
    pro: { symbols: ['*'], features: ['*'], historyDays: 365, subscriptions: true, requestsPerWindow: requestsPerWindow * 10, costPerWindow: costPerWindow * 10, maxDepth, maxSubscriptions, maxConnections },
    admin: { symbols: ['*'], features: ['*'], historyDays: null, subscriptions: true, requestsPerWindow: 0, costPerWindow: 0, maxDepth: maxDepth * 2, maxSubscriptions, maxConnections },
  };
}

/** Defaults overridden per role by a JSON object of partial plans (AUTH_PLANS); throws naming the bad role and field. */
export function plansWithOverrides(defaults: Plans, overrides: unknown): Plans {
  const parsed = z.partialRecord(z.enum(ROLES), planSchema.partial()).safeParse(overrides);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const plans = { ...defaults };
  for (const [role, partial] of Object.entries(parsed.data) as [Role, Partial<Plan>][]) plans[role] = { ...defaults[role], ...partial };
  return plans;
}

export function allowsSymbol(plan: Plan, symbol: string): boolean {
  return plan.symbols.includes('*') || plan.symbols.includes(symbol.toUpperCase());
}

export function allowsFeature(plan: Plan, feature: Feature): boolean {
  return plan.features.includes('*') || plan.features.includes(feature);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
