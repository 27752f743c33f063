CREATE TABLE `reminders` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version` integer NOT NULL,
	`kind` text NOT NULL,
	`n` integer DEFAULT 1 NOT NULL,
	`due_at` integer NOT NULL,
	`state` text DEFAULT 'scheduled' NOT NULL,
	`reason` text,
	`contact_id` text,
	`sent_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reminders_doc_kind` ON `reminders` (`document_id`,`version`,`kind`,`n`);--> statement-breakpoint
CREATE INDEX `reminders_due` ON `reminders` (`state`,`due_at`);--> statement-breakpoint
CREATE INDEX `reminders_org_doc` ON `reminders` (`org_id`,`document_id`);--> statement-breakpoint
ALTER TABLE `documents` ADD `deadline` text;--> statement-breakpoint
ALTER TABLE `documents` ADD `reminder_plan` text;--> statement-breakpoint
ALTER TABLE `documents` ADD `update_requested_at` integer;--> statement-breakpoint
ALTER TABLE `orgs` ADD `reminders_on` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `remind_unopened_days` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `remind_undecided_days` integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `remind_before_days` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `remind_overdue_every` integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `remind_overdue_max` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `daily_digest` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `digest_on` text;--> statement-breakpoint
-- Documents sent before deadlines counted take their sent version's date as the one that counts.
UPDATE `documents` SET `deadline` = (SELECT v.`due_date` FROM `document_versions` v WHERE v.`document_id` = `documents`.`id` AND v.`version` = `documents`.`sent_version`) WHERE `sent_version` IS NOT NULL;
