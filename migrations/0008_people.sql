CREATE TABLE `document_recipients` (
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`role` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`document_id`, `contact_id`)
);
--> statement-breakpoint
CREATE INDEX `document_recipients_contact` ON `document_recipients` (`org_id`,`contact_id`);--> statement-breakpoint
CREATE TABLE `portal_session_contacts` (
	`session_id` text NOT NULL,
	`org_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`access_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `org_id`)
);
--> statement-breakpoint
CREATE INDEX `portal_session_contacts_contact` ON `portal_session_contacts` (`contact_id`);--> statement-breakpoint
CREATE TABLE `__new_signatures` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version_id` text NOT NULL,
	`version` integer NOT NULL,
	`contact_id` text,
	`user_id` text,
	`outcome` text NOT NULL,
	`signer_name` text NOT NULL,
	`signer_email` text NOT NULL,
	`method` text NOT NULL,
	`image_key` text,
	`reason` text,
	`consent_at` integer,
	`signed_at` integer NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	`unsigned_pdf_sha256` text NOT NULL,
	`idempotency_key` text,
	`sealed_pdf_key` text,
	`sealed_pdf_sha256` text,
	`sealed_at` integer,
	`seal_error` text,
	`compared_to_version` integer,
	`compared_to_sha256` text
);
--> statement-breakpoint
INSERT INTO `__new_signatures`("id", "org_id", "document_id", "version_id", "version", "contact_id", "user_id", "outcome", "signer_name", "signer_email", "method", "image_key", "reason", "consent_at", "signed_at", "ip", "user_agent", "unsigned_pdf_sha256", "idempotency_key", "sealed_pdf_key", "sealed_pdf_sha256", "sealed_at", "seal_error", "compared_to_version", "compared_to_sha256") SELECT "id", "org_id", "document_id", "version_id", "version", "contact_id", NULL, "outcome", "signer_name", "signer_email", "method", "image_key", "reason", "consent_at", "signed_at", "ip", "user_agent", "unsigned_pdf_sha256", "idempotency_key", "sealed_pdf_key", "sealed_pdf_sha256", "sealed_at", "seal_error", "compared_to_version", "compared_to_sha256" FROM `signatures`;--> statement-breakpoint
DROP TABLE `signatures`;--> statement-breakpoint
ALTER TABLE `__new_signatures` RENAME TO `signatures`;--> statement-breakpoint
CREATE UNIQUE INDEX `signatures_version_contact` ON `signatures` (`version_id`,`contact_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `signatures_version_countersign` ON `signatures` (`version_id`) WHERE contact_id IS NULL;--> statement-breakpoint
CREATE INDEX `signatures_org_doc` ON `signatures` (`org_id`,`document_id`);--> statement-breakpoint
CREATE INDEX `signatures_sealed_sha` ON `signatures` (`sealed_pdf_sha256`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `sees_own_only` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `documents` ADD `signing_order` text DEFAULT 'any' NOT NULL;--> statement-breakpoint
ALTER TABLE `documents` ADD `countersign` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `countersign_default` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `portal_sessions` ADD `email` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Every document sent so far had one recipient: its contact signs (or decides) alone.
INSERT INTO `document_recipients` (`org_id`, `document_id`, `contact_id`, `role`, `position`, `created_at`)
  SELECT `org_id`, `id`, `contact_id`, 'signer', 1, `created_at` FROM `documents` WHERE `contact_id` IS NOT NULL;--> statement-breakpoint
-- Every live portal session holds the one company it was opened for.
INSERT INTO `portal_session_contacts` (`session_id`, `org_id`, `contact_id`, `access_version`, `created_at`)
  SELECT `id`, `org_id`, `contact_id`, `access_version`, `created_at` FROM `portal_sessions`;--> statement-breakpoint
UPDATE `portal_sessions` SET `email` = coalesce((SELECT lower(`email`) FROM `contacts` WHERE `contacts`.`id` = `portal_sessions`.`contact_id`), '');