import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { documents, files, orgs } from '../db/schema';
import { visibleTo } from '../portal/queries';

/** The contractor's document, as the conversation needs it: one row, or none in another org. */
export async function contractorConversation(db: Db, orgId: string, documentId: string) {
  const [row] = await db
    .select({ jobId: documents.jobId, sentVersion: documents.sentVersion, maxUploadMb: orgs.maxUploadMb })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  return row;
}

/** The same for a recipient: only a document visible to their account. */
export async function recipientConversation(
  db: Db,
  viewer: { orgId: string; accountId: string; contactId: string },
  documentId: string,
) {
  const [row] = await db
    .select({ jobId: documents.jobId, type: documents.type, subtype: documents.subtype, maxUploadMb: orgs.maxUploadMb })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(visibleTo(viewer), eq(documents.id, documentId)));
  return row;
}

/** A file still shared on the document. */
export async function sharedFile(db: Db, orgId: string, documentId: string, fileId: string) {
  const [row] = await db
    .select()
    .from(files)
    .where(
      and(eq(files.orgId, orgId), eq(files.documentId, documentId), eq(files.id, fileId), isNull(files.removedAt)),
    );
  return row;
}
