CREATE INDEX `documents_org_account_open` ON `documents` (`org_id`,`account_id`,`sent_at`,`id`) WHERE status IN ('partially_paid', 'sent', 'viewed');--> statement-breakpoint
-- A sent document has its sent time (documents/actions.ts sets both in one write): the portal lists walk by it,
-- so a row without one (none is written by the app) takes its sent version's, else its last change.
UPDATE `documents` SET `sent_at` = COALESCE(
  (SELECT v.`sent_at` FROM `document_versions` v WHERE v.`document_id` = `documents`.`id` AND v.`version` = `documents`.`sent_version`),
  `updated_at`
) WHERE `sent_version` IS NOT NULL AND `sent_at` IS NULL;
