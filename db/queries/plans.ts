/** The stored plans (table plans), by role: what an admin set over the configured defaults. */
import { eq } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { plans } from '../schema.ts';

export async function readStoredPlans(db: Database): Promise<Map<string, unknown>> {
  const rows = await db.select().from(plans);
  return new Map(rows.map((row) => [row.role, row.document]));
}

export async function storePlan(db: Database, role: string, document: unknown): Promise<void> {
  await db.insert(plans).values({ role, document }).onConflictDoUpdate({ target: plans.role, set: { document, updatedAt: new Date() } });
}

export async function deleteStoredPlan(db: Database, role: string): Promise<void> {
  await db.delete(plans).where(eq(plans.role, role));
}
