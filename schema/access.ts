/**
 * What a caller's plan lets it ask (core/auth/plans.ts), checked for a whole
 * operation before it runs (api/installAuth.ts calls `accessRefusal`): each
 * root field's feature, every symbol it names (`symbol`, `symbols`), how far
 * back it reads (`from`, `at`, `since`), whether subscriptions are allowed,
 * the selection depth, and an API key's scopes (read for queries, stream
 * for subscriptions, admin for mutations). The first thing missing is
 * refused with FORBIDDEN naming it (`extensions.missing`), so a client never
 * gets part of an answer with the rest silently dropped.
 *
 * A field without a feature here is open to every caller (the account's own
 * fields, which scope-auth guards in schema/users.ts); schema/access.test.ts
 * fails when a root field is in neither list, so each new field is decided.
 */
import { GraphQLError, getArgumentValues, Kind, type ValidationRule, getOperationAST, type DocumentNode, type GraphQLSchema, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';
import { allowsFeature, allowsSymbol, type Feature } from '../core/auth/plans.ts';
import type { Caller } from '../core/auth/caller.ts';

export const ROOT_FIELD_FEATURES: Readonly<Record<string, Feature>> = {
  optionChain: 'chain',
  optionCell: 'chain',
  expiries: 'chain',
  expiryList: 'chain',
  marketOverview: 'chain',
  chainUpdated: 'chain',
  chainDelta: 'chain',
  chainHistory: 'charts',
  chainSeries: 'charts',
  strikeSeries: 'charts',
  moodHistory: 'charts',
  gexProfile: 'analytics',
  ivSmile: 'analytics',
  ivSurface: 'analytics',
  oiProfile: 'analytics',
  termStructure: 'analytics',
  volatilityCone: 'analytics',
  volatilityContext: 'analytics',
  supportResistance: 'analytics',
  buildups: 'analytics',
  flowMetrics: 'analytics',
  optionFlow: 'analytics',
  analyticsUpdated: 'analytics',
  marketMood: 'mood',
  moodUpdated: 'mood',
  analyticsEvents: 'events',
  marketEvents: 'events',
  opportunities: 'events',
  participantPositions: 'participants',
  fiiDiiFlows: 'participants',
  playback: 'playback',
  optionPrice: 'calculators',
  impliedVolatility: 'calculators',
  strategy: 'calculators',
  strategyUpdated: 'calculators',
  strategyTemplate: 'calculators',
  strategyTemplates: 'calculators',
  marginEstimate: 'calculators',
};

/** Root fields every caller may use: the instrument list and the account's own fields (guarded by scope-auth). */
export const OPEN_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'symbols',
  'me',
  'watchlist',
  'register',
  'login',
  'refreshSession',
  'logout',
  'logoutEverywhere',
  'signInWithFirebase',
  'updateProfile',
  'updatePreferences',
  'createWatchlist',
  'updateWatchlist',
  'deleteWatchlist',
  'createApiKey',
  'revokeApiKey',
  'plans',
  'updatePlan',
  'setUserRole',
]);

/** What a caller without credentials may still call when ALLOW_ANONYMOUS is off: signing in and out (logout needs only its refresh token). */
export const SIGN_IN_FIELDS: ReadonlySet<string> = new Set(['register', 'login', 'refreshSession', 'logout', 'signInWithFirebase']);

const HISTORY_ARGUMENTS = ['from', 'at', 'since'];
const DAY_MS = 86_400_000;

function forbidden(message: string, missing: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', missing, http: { status: 403 } } });
}

export interface AccessOptions {
  /** ALLOW_ANONYMOUS: whether a caller without credentials may use more than the sign-in fields. */
  allowAnonymous: boolean;
  now: number;
}

/** Why the caller may not run this operation, or null when it may. */
export function accessRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  caller: Caller,
  options: AccessOptions,
): GraphQLError | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null; // graphql-js answers that itself
  const rootType = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!rootType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const { plan } = caller;

  const rootFields = collectRootFields(operation.selectionSet, fragments);
  if (caller.kind === 'anonymous' && !options.allowAnonymous) {
    const other = rootFields.find((field) => !SIGN_IN_FIELDS.has(field.name.value) && !field.name.value.startsWith('__'));
    if (other) {
      return new GraphQLError(`${other.name.value} needs credentials: this server does not serve anonymous callers; send an access token or an API key`, {
        extensions: { code: 'UNAUTHENTICATED', missing: 'credentials', http: { status: 401 } },
      });
    }
  }
  if (caller.kind === 'apiKey') {
    const scope = operation.operation === 'query' ? 'read' : operation.operation === 'subscription' ? 'stream' : 'admin';
    if (!caller.scopes.has(scope)) return forbidden(`This API key lacks the ${scope} scope needed for a ${operation.operation}`, `scope:${scope}`);
  }
  if (operation.operation === 'subscription' && !plan.subscriptions) return forbidden(`The ${caller.role} plan does not include subscriptions`, 'subscriptions');
  const depth = selectionDepth(operation.selectionSet, fragments, 0);
  if (depth > plan.maxDepth) {
    // Worded and coded as the global limit (api/installLimits.ts) was before plans: a client need not tell them apart.
    return new GraphQLError(`Query depth limit of ${plan.maxDepth} exceeded, found ${depth}.`, { extensions: { code: 'MAX_DEPTH_EXCEEDED', limit: plan.maxDepth, role: caller.role, http: { status: 400 } } });
  }

  const fields = rootType.getFields();
  for (const node of rootFields) {
    const name = node.name.value;
    const field = fields[name];
    const feature = ROOT_FIELD_FEATURES[name];
    if (!field || !feature) continue;
    if (!allowsFeature(plan, feature)) return forbidden(`${name} is part of the ${feature} feature, which the ${caller.role} plan does not include`, `feature:${feature}`);
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, variables ?? undefined);
    } catch {
      continue; // a bad argument is graphql-js' to answer
    }
    // The calculators name their symbol inside their input (strategy, marginEstimate) or its option (optionPrice).
    const input = (args.input ?? {}) as { symbol?: unknown; option?: { symbol?: unknown } };
    const symbols = [args.symbol, input.symbol, input.option?.symbol, ...(Array.isArray(args.symbols) ? args.symbols : [])].filter((s): s is string => typeof s === 'string');
    if (!plan.symbols.includes('*') && field.args.some((a) => a.name === 'symbols') && args.symbols == null) {
      return forbidden(`${name} without symbols reads every symbol; the ${caller.role} plan covers ${plan.symbols.join(', ')}: list them in symbols`, 'symbols');
    }
    const outside = symbols.find((symbol) => !allowsSymbol(plan, symbol));
    if (outside) return forbidden(`${outside} is not in the ${caller.role} plan (${plan.symbols.join(', ')})`, `symbol:${outside.toUpperCase()}`);
    if (plan.historyDays !== null) {
      const earliest = options.now - plan.historyDays * DAY_MS;
      for (const argument of HISTORY_ARGUMENTS) {
        const value = args[argument];
        const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
        if (ms < earliest) return forbidden(`${name}(${argument}) reaches further back than the ${plan.historyDays} days of the ${caller.role} plan`, `historyDays:${Math.round((options.now - ms) / DAY_MS)}`);
      }
    }
  }
  return null;
}

/**
 * The depth limit as a validation rule, so a too-deep document is refused as
 * before plans (MAX_DEPTH_EXCEEDED) even where it also names unknown fields;
 * accessRefusal checks the caller's own plan again before execution.
 */
export function depthLimitRule(limit: number): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet, fragments, 0);
        if (depth > limit) context.reportError(new GraphQLError(`Query depth limit of ${limit} exceeded, found ${depth}.`, { extensions: { code: 'MAX_DEPTH_EXCEEDED', limit, http: { status: 400 } } }));
      },
    };
  };
}

type FieldNode = Extract<SelectionSetNode['selections'][number], { kind: Kind.FIELD }>;

function collectRootFields(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...collectRootFields(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) fields.push(...collectRootFields(fragment.selectionSet, fragments, seen));
    }
  }
  return fields;
}

/** The deepest nesting of fields (a root field alone is 1), through fragments, each fragment counted once per path. */
function selectionDepth(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, level: number, path = new Set<string>()): number {
  let deepest = level;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, selection.selectionSet ? selectionDepth(selection.selectionSet, fragments, level + 1, path) : level + 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, level, path));
    } else if (!path.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      if (fragment) deepest = Math.max(deepest, selectionDepth(fragment.selectionSet, fragments, level, new Set([...path, selection.name.value])));
    }
  }
  return deepest;
}
