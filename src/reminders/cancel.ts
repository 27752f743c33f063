import { and, eq, not, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { reminders } from '../db/schema';

// Cancelling by contact (issue 16): a revoke or a new email address ends the links every scheduled reminder to
// that contact would carry, on every document, in the batch of that change.

/**
 * Cancels the contact's scheduled reminders ('revoked'): one UPDATE, org-scoped. A document with another signer
 * keeps its reminders (issue 17): they chase whoever is still due, and the run drops the revoked person.
 */
export function cancelForContact(db: Db, where: { orgId: string; contactId: string }, now = Date.now()) {
  const othersSign = sql`EXISTS (SELECT 1 FROM document_recipients r WHERE r.document_id = ${reminders.documentId}
    AND r.org_id = ${reminders.orgId} AND r.role = 'signer' AND r.contact_id <> ${where.contactId})`;
  return db
    .update(reminders)
    .set({ state: 'cancelled', reason: 'revoked', updatedAt: now })
    .where(
      and(
        eq(reminders.orgId, where.orgId),
        eq(reminders.contactId, where.contactId),
        eq(reminders.state, 'scheduled'),
        not(othersSign),
      ),
    );
}
