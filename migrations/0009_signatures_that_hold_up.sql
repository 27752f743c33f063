CREATE TABLE `signing_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`version` integer NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `signing_codes_doc_contact` ON `signing_codes` (`document_id`,`contact_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `esign_consent_version` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `esign_consent_sha256` text;--> statement-breakpoint
ALTER TABLE `documents` ADD `email_code` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `email_code_default` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `signatures` ADD `consent_version` text;--> statement-breakpoint
ALTER TABLE `signatures` ADD `consent_sha256` text;--> statement-breakpoint
ALTER TABLE `signatures` ADD `identified_by` text;--> statement-breakpoint
ALTER TABLE `signatures` ADD `email_code_at` integer;--> statement-breakpoint
ALTER TABLE `signatures` ADD `seal_certificate_sha256` text;--> statement-breakpoint
CREATE INDEX `signatures_unsigned_sha` ON `signatures` (`unsigned_pdf_sha256`);--> statement-breakpoint
-- Every signature so far came through an emailed portal link, or (a countersignature) a signed-in account.
UPDATE `signatures` SET `identified_by` = CASE WHEN `contact_id` IS NULL THEN 'account' ELSE 'email_link' END;
