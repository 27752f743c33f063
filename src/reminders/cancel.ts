import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { reminders } from '../db/schema';

// Cancelling by contact (issue 16): a revoke or a new email address ends the links every scheduled reminder to
// that contact would carry, on every document, in the batch of that change.

/** Cancels the contact's scheduled reminders ('revoked'): one UPDATE, org-scoped. */
export function cancelForContact(db: Db, where: { orgId: string; contactId: string }, now = Date.now()) {
  return db
    .update(reminders)
    .set({ state: 'cancelled', reason: 'revoked', updatedAt: now })
    .where(
      and(eq(reminders.orgId, where.orgId), eq(reminders.contactId, where.contactId), eq(reminders.state, 'scheduled')),
    );
}
