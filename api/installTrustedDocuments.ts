/**
 * Trusted documents (persisted operations), for production clients: a
 * manifest (TRUSTED_DOCUMENTS_FILE, JSON { id: document }, as GraphQL
 * codegen's client preset writes it, ids usually the document's SHA-256)
 * lets a client send `documentId` (or `extensions.persistedQuery.sha256Hash`)
 * instead of the document. An unknown id is PERSISTED_QUERY_NOT_FOUND (400).
 *
 * With TRUSTED_DOCUMENTS_ONLY=true no other document runs, over HTTP or
 * graphql-ws: a document not in the manifest is PERSISTED_QUERY_ONLY (403),
 * checked where every document is parsed, so no path goes around it.
 */
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { GraphQLParams } from 'graphql-yoga';
import type { Config } from '../core/config.ts';
import type { Installation, YogaPlugin } from './installation.ts';

type TrustedConfig = Pick<Config, 'TRUSTED_DOCUMENTS_FILE' | 'TRUSTED_DOCUMENTS_ONLY'>;

/** The manifest: id → document; throws naming the file and what is wrong. */
export function readTrustedDocuments(path: string): Map<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS_FILE ${path} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest) || Object.values(manifest).some((v) => typeof v !== 'string')) {
    throw new Error(`TRUSTED_DOCUMENTS_FILE ${path} must be a JSON object of id → GraphQL document`);
  }
  return new Map(Object.entries(manifest as Record<string, string>));
}

export function installTrustedDocuments(config: TrustedConfig): Installation {
  if (!config.TRUSTED_DOCUMENTS_FILE) return {};
  const documents = readTrustedDocuments(config.TRUSTED_DOCUMENTS_FILE);
  const trusted = new Set(documents.values());
  const plugin: YogaPlugin = {
    // Before Yoga checks the parameters (it refuses ones it does not know, documentId among them).
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          const resolve = (params: GraphQLParams): GraphQLParams => {
            const { documentId, ...rest } = params as GraphQLParams & { documentId?: unknown };
            const id = documentId ?? (rest.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
            if (typeof id !== 'string') return params;
            const query = documents.get(id);
            if (query === undefined) throw new GraphQLError(`No trusted document ${id}`, { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } } });
            return { ...rest, query };
          };
          setRequestParserResult(Array.isArray(requestParserResult) ? requestParserResult.map(resolve) : resolve(requestParserResult));
        },
      };
    },
    onParse({ params }) {
      if (!config.TRUSTED_DOCUMENTS_ONLY) return;
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (!trusted.has(source)) {
        throw new GraphQLError('This server runs trusted documents only: send the documentId of a document in its manifest', { extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 403 } } });
      }
    },
  };
  return { plugins: [plugin] };
}
