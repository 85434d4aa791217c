import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isObjectType, isInputObjectType } from 'graphql';
import { printedSchema, schema } from './index.ts';

describe('GraphQL schema', () => {
  it('matches the committed schema.graphql (run `npm run schema:print` after changing it)', () => {
    const committed = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(committed);
  });

  it('describes every type, field and argument', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing.filter((name) => !['Boolean', 'Float', 'Int', 'String', 'ID'].includes(name))).toEqual([]);
  });

  it('imports nothing from api/ (layers point one way: api uses the schema, never the reverse)', () => {
    const upward = readdirSync(new URL('.', import.meta.url))
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from '\.\.\/api\//.test(readFileSync(new URL(`./${file}`, import.meta.url), 'utf8')));
    expect(upward).toEqual([]);
  });
});
