/** The GraphQL schema: the builder plus every domain file, printed for review in schema.graphql. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './market.ts';
import './chain.ts';
import './charts.ts';
import './chainDelta.ts';
import './mood.ts';
import './intelligence.ts';
import './participants.ts';
import './playback.ts';
import './overview.ts';
import './optionCell.ts';
import './opportunities.ts';
import './margin.ts';
import './calculators.ts';
import './users.ts';

export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema/schema.graphql. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
