/**
 * Limits on subscriptions, over WebSocket (graphql-ws) and over SSE (Yoga
 * serves subscriptions on plain HTTP too):
 *
 * - WebSocket connections plus SSE subscription streams, per client
 *   (SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT; 429) and in total
 *   (SUBSCRIPTION_MAX_CONNECTIONS; 503), one shared budget;
 * - active operations on one WebSocket (SUBSCRIPTION_MAX_PER_CONNECTION): one
 *   more is answered with an error message (TOO_MANY_SUBSCRIPTIONS);
 * - distinct live operations executed at once, each shared by all its
 *   subscribers (SUBSCRIPTION_MAX_DISTINCT_OPERATIONS): a subscription that
 *   would start one more is answered SERVER_BUSY;
 * - the largest WebSocket message (MAX_REQUEST_BYTES, ws maxPayload): the
 *   socket is closed with 1009;
 * - a WebSocket that has not sent connection_init within
 *   SUBSCRIPTION_INIT_TIMEOUT_MS is closed with 4408;
 * - a WebSocket from another web page's origin is refused (403; see installCors).
 *
 * The plugins here count the SSE streams; installSubscriptions applies the
 * `webSocket` part.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Config } from '../core/config.ts';
import { ConnectionBudget } from '../core/connectionBudget.ts';
import { identifyClient } from './identifyClient.ts';
import { isAllowedOrigin } from './installCors.ts';
import { errorBody, type Installation, type ServerContext, type YogaPlugin } from './installation.ts';

type SubscriptionConfig = Pick<
  Config,
  | 'SUBSCRIPTION_MAX_CONNECTIONS'
  | 'SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT'
  | 'SUBSCRIPTION_MAX_PER_CONNECTION'
  | 'SUBSCRIPTION_MAX_DISTINCT_OPERATIONS'
  | 'SUBSCRIPTION_INIT_TIMEOUT_MS'
  | 'MAX_REQUEST_BYTES'
  | 'TRUST_PROXY'
  | 'CORS_ORIGINS'
  | 'CORS_CREDENTIALS'
>;

export type UpgradeAdmission = { admitted: true; release: () => void } | { admitted: false; status: number; body: string };

export interface WebSocketLimits {
  maxPayload: number;
  connectionInitWaitTimeout: number;
  maxOperationsPerConnection: number;
  /** Distinct live operations executed at once (each shared by its subscribers). */
  maxSharedExecutions: number;
  /** Whether an upgrade request may open a WebSocket; `release` when its socket closes. */
  admit(request: IncomingMessage): UpgradeAdmission;
  /** The error for one operation too many on a connection. */
  tooManyOperations(): GraphQLError;
}

export interface SubscriptionLimits extends Installation {
  webSocket: WebSocketLimits;
  budget: ConnectionBudget;
}

export function installSubscriptionLimits(config: SubscriptionConfig): SubscriptionLimits {
  const budget = new ConnectionBudget({ total: config.SUBSCRIPTION_MAX_CONNECTIONS, perClient: config.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT });
  const refusal = (over: 'client' | 'total') =>
    over === 'client'
      ? { status: 429, message: `Too many subscription connections from this client: at most ${config.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT}`, limit: config.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT }
      : { status: 503, message: `The server has its most subscription connections open (${config.SUBSCRIPTION_MAX_CONNECTIONS}); try again later`, limit: config.SUBSCRIPTION_MAX_CONNECTIONS };

  const countStreams: YogaPlugin = {
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Partial<ServerContext>;
      // Over WebSocket the connection was counted at the upgrade.
      if (!context.res || !context.req) return;
      const admission = budget.admit(identifyClient(context.req, config.TRUST_PROXY));
      if (!admission.admitted) {
        const { status, message, limit } = refusal(admission.refusal);
        setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions: { code: 'TOO_MANY_CONNECTIONS', limit, http: { status } } })] });
        return;
      }
      context.res.once('close', admission.release);
    },
  };

  return {
    plugins: [countStreams],
    budget,
    webSocket: {
      maxPayload: config.MAX_REQUEST_BYTES,
      connectionInitWaitTimeout: config.SUBSCRIPTION_INIT_TIMEOUT_MS,
      maxOperationsPerConnection: config.SUBSCRIPTION_MAX_PER_CONNECTION,
      maxSharedExecutions: config.SUBSCRIPTION_MAX_DISTINCT_OPERATIONS,
      admit(request) {
        const { origin, host } = request.headers;
        if (!isAllowedOrigin(config, origin, host)) {
          return { admitted: false, status: 403, body: errorBody(`WebSocket connections from origin ${origin} are not allowed`, { code: 'FORBIDDEN_ORIGIN' }) };
        }
        const admission = budget.admit(identifyClient(request, config.TRUST_PROXY));
        if (admission.admitted) return admission;
        const { status, message, limit } = refusal(admission.refusal);
        return { admitted: false, status, body: errorBody(message, { code: 'TOO_MANY_CONNECTIONS', limit }) };
      },
      tooManyOperations: () =>
        new GraphQLError(`Too many operations on this connection: at most ${config.SUBSCRIPTION_MAX_PER_CONNECTION}; complete one first`, {
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: config.SUBSCRIPTION_MAX_PER_CONNECTION },
        }),
    },
  };
}
