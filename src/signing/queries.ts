import { and, asc, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import { distinct, type Db } from '../db/client';
import { activity, bids, contacts, documentLines, documents, documentVersions, orgs, signatures, users } from '../db/schema';

/** What a decision on a document needs to know, in one batch: the document, its sent version, the contact, prior decisions. */
export async function decisionState(db: Db, orgId: string, documentId: string, contactId: string) {
  const [head, contact, prior, bid] = await db.batch([
    db
      .select(distinct({ document: documents, version: documentVersions, org: orgs, creator: { name: users.name, email: users.email } }))
      .from(documents)
      .innerJoin(documentVersions, and(eq(documentVersions.documentId, documents.id), eq(documentVersions.version, documents.sentVersion)))
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .leftJoin(users, eq(users.id, documents.createdBy))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db.select().from(contacts).where(and(eq(contacts.orgId, orgId), eq(contacts.id, contactId))),
    db.select().from(signatures).where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId))).orderBy(desc(signatures.signedAt)),
    db.select().from(bids).where(and(eq(bids.orgId, orgId), eq(bids.documentId, documentId))).orderBy(desc(bids.submittedAt)),
  ]);
  if (!head[0] || !contact[0]) return null;
  return { ...head[0], contact: contact[0], signatures: prior, bids: bid };
}
export type DecisionState = NonNullable<Awaited<ReturnType<typeof decisionState>>>;

export async function itemLinesOf(db: Db, orgId: string, versionId: string) {
  return db.select().from(documentLines).where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, versionId))).orderBy(asc(documentLines.position));
}

/** Signatures whose sealed PDF is not made yet: the scheduled retry finishes them. */
export async function unsealedSignatures(db: Db, limit = 20) {
  return db
    .select({ id: signatures.id, documentId: signatures.documentId })
    .from(signatures)
    .where(and(isNull(signatures.sealedAt), sql`${signatures.outcome} <> 'declined'`))
    .limit(limit);
}

/** The version's part of the timeline, for the certificate page. */
export async function versionTimeline(db: Db, documentId: string, since: number) {
  return db.select().from(activity).where(and(eq(activity.documentId, documentId), gte(activity.createdAt, since))).orderBy(asc(activity.seq));
}

