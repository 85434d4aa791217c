/** `npm run schema:print`: rewrites schema/schema.graphql from the code-first schema. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printedSchema } from './index.ts';

const target = fileURLToPath(new URL('./schema.graphql', import.meta.url));
writeFileSync(target, printedSchema());
console.log(`wrote ${target}`);
