import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orgs, orgTerms } from '../db/schema';

/** The org's settings row. */
export async function findOrg(db: Db, orgId: string) {
  return db.query.orgs.findFirst({ where: eq(orgs.id, orgId) });
}

/** The settings page's reads in one batch: the org's row, and its default terms by kind key (unset kinds absent). */
export async function findSettings(db: Db, orgId: string) {
  const [org, terms] = await db.batch([
    db.select().from(orgs).where(eq(orgs.id, orgId)),
    db.select().from(orgTerms).where(eq(orgTerms.orgId, orgId)),
  ]);
  return org[0] ? { org: org[0], terms: new Map(terms.map((r) => [r.kind, r.terms])) } : null;
}
