import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { codegenConfig } from './codegen.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the generated GraphQL code of the web client and the SDK', () => {
  it('is what GraphQL Code Generator makes from schema/schema.graphql and the documents now (run npm run web:codegen when this fails)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false)) as { filename: string; content: string }[];
    expect(outputs.length).toBeGreaterThanOrEqual(6);
    for (const { filename, content } of outputs) {
      const committed = readFileSync(join(ROOT, filename), 'utf8');
      expect(committed, `${filename} is stale: run npm run web:codegen`).toBe(content);
    }
  }, 60_000);
});
