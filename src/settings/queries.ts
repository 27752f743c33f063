import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orgs } from '../db/schema';

/** The org's settings row. */
export async function findOrg(db: Db, orgId: string) {
  return db.query.orgs.findFirst({ where: eq(orgs.id, orgId) });
}
