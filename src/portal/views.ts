import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { documents, versionViews } from '../db/schema';
import { activityInsert } from '../conversation/activity';
import { canTransition, nextStatus } from '../documents/status';
import type { DocumentType } from '../db/schema';

export interface ViewInput {
  activityId?: string;
  orgId: string;
  jobId: string;
  documentId: string;
  type: DocumentType;
  status: string;
  contactId: string;
  name: string;
  ip: string;
  userAgent: string;
  /** The sent version the page showed: remembered per contact, so a revision shows what changed since. */
  version?: number;
}

/** Logs one view by the recipient; the first view moves a sent document to viewed. */
export function viewStatements(db: Db, v: ViewInput) {
  const next = canTransition(v.type, v.status, 'view') ? nextStatus(v.type, v.status, 'view') : v.status;
  const seen = { orgId: v.orgId, documentId: v.documentId, contactId: v.contactId, viewedAt: Date.now() };
  return [
    ...(v.version
      ? [
          db
            .insert(versionViews)
            .values({ ...seen, version: v.version })
            .onConflictDoNothing(),
        ]
      : []),
    activityInsert(db, {
      id: v.activityId,
      orgId: v.orgId,
      jobId: v.jobId,
      documentId: v.documentId,
      action: 'viewed',
      actor: { side: 'recipient', contactId: v.contactId, name: v.name, ip: v.ip, userAgent: v.userAgent },
    }),
    ...(next !== v.status
      ? [
          db
            .update(documents)
            .set({ status: next })
            .where(and(eq(documents.orgId, v.orgId), eq(documents.id, v.documentId), eq(documents.status, v.status))),
        ]
      : []),
  ] as const;
}
