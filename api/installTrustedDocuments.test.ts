import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { scratchDir } from '../test/fixtures.ts';
import { installTrustedDocuments } from './installTrustedDocuments.ts';
import { fromClient, post, yogaWith } from '../test/yoga.ts';

const QUERY = '{ symbols { symbol } }';

function manifest(): string {
  const path = join(scratchDir('trusted'), 'documents.json');
  writeFileSync(path, JSON.stringify({ abc123: QUERY }));
  return path;
}

const ask = async (only: boolean, body: unknown) => {
  const yoga = yogaWith([installTrustedDocuments(loadConfig({ TRUSTED_DOCUMENTS_FILE: manifest(), TRUSTED_DOCUMENTS_ONLY: String(only) }))]);
  const response = await yoga.fetch('http://localhost/graphql', post(body), fromClient('192.0.2.1'));
  return { status: response.status, json: (await response.json()) as any };
};

describe('installTrustedDocuments', () => {
  it('runs a trusted document by documentId and by persistedQuery hash', async () => {
    expect((await ask(false, { documentId: 'abc123' })).json.data.symbols.length).toBeGreaterThan(0);
    expect((await ask(true, { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc123' } } })).json.data.symbols.length).toBeGreaterThan(0);
  });

  it('answers an unknown id PERSISTED_QUERY_NOT_FOUND (400)', async () => {
    const answer = await ask(false, { documentId: 'nope' });
    expect([answer.status, answer.json.errors[0].extensions.code]).toEqual([400, 'PERSISTED_QUERY_NOT_FOUND']);
  });

  it('with TRUSTED_DOCUMENTS_ONLY refuses any other document (403 PERSISTED_QUERY_ONLY), and without it runs it', async () => {
    const refused = await ask(true, { query: '{ symbols { symbol lotSize } }' });
    expect([refused.status, refused.json.errors[0].extensions.code]).toEqual([403, 'PERSISTED_QUERY_ONLY']);
    expect((await ask(true, { query: QUERY })).status).toBe(200);
    expect((await ask(false, { query: '{ symbols { symbol lotSize } }' })).status).toBe(200);
  });
});
