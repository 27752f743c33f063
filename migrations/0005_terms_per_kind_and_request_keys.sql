CREATE TABLE `org_terms` (
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`terms` text NOT NULL,
	PRIMARY KEY(`org_id`, `kind`)
);
--> statement-breakpoint
ALTER TABLE `documents` ADD `request_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `documents_org_request_key` ON `documents` (`org_id`,`request_key`);--> statement-breakpoint
-- The one default the company had is kept for the customer orders it was written for; other kinds
-- (and a company that had none) start with their kind's default (documents/kinds.ts) until the
-- company sets theirs. orgs.default_terms stays one release (expand, then contract): a Worker
-- deployed before this migration still selects it while the migration is applied.
INSERT INTO `org_terms` (`org_id`, `kind`, `terms`)
  SELECT `id`, 'estimate', `default_terms` FROM `orgs` WHERE `default_terms` <> ''
  UNION ALL SELECT `id`, 'proposal', `default_terms` FROM `orgs` WHERE `default_terms` <> ''
  UNION ALL SELECT `id`, 'change_order', `default_terms` FROM `orgs` WHERE `default_terms` <> '';