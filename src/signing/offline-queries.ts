import { sql, type SQL } from 'drizzle-orm';
import type { Param } from '../db/client';

// Issue 20, part E: the document's offline approval as one JSON column of a page's own statement (the
// contractor's document page, the portal's), so no page gains a round trip. A document is approved at
// most once: the newest version's row is the one. The scan is a shared file; a removed one is not named.

/** JSON of the document's offline approval (signing/offline-words.ts parseOffline reads it), or NULL. */
export const offlineApprovalJson = (orgId: Param | SQL) =>
  sql<string | null>`(SELECT json_object('approverName', o.approver_name, 'method', o.method,
    'approvedOn', o.approved_on, 'recordedByName', o.recorded_by_name, 'note', o.note, 'scanFileId', f.id,
    'scanName', f.name, 'selection', o.selection, 'version', o.version)
    FROM offline_approvals o LEFT JOIN files f ON f.id = o.scan_file_id AND f.org_id = o.org_id AND f.removed_at IS NULL
    WHERE o.org_id = ${orgId} AND o.document_id = "documents"."id" ORDER BY o.version DESC LIMIT 1)`;

/** The date of the document's offline approval (a list's status words), or NULL. */
export const offlineApprovedOn = (orgId: Param | SQL) =>
  sql<string | null>`(SELECT o.approved_on FROM offline_approvals o
    WHERE o.org_id = ${orgId} AND o.document_id = "documents"."id" ORDER BY o.version DESC LIMIT 1)`;
