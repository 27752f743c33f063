CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`phone` text DEFAULT '' NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `accounts_org_kind` ON `accounts` (`org_id`,`kind`,`name`);--> statement-breakpoint
CREATE TABLE `activity` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`job_id` text,
	`document_id` text,
	`seq` integer,
	`action` text NOT NULL,
	`side` text NOT NULL,
	`user_id` text,
	`contact_id` text,
	`actor_name` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`data` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `activity_doc_seq` ON `activity` (`document_id`,`seq`);--> statement-breakpoint
CREATE INDEX `activity_org_time` ON `activity` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `activity_org_job` ON `activity` (`org_id`,`job_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `bid_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`bid_id` text NOT NULL,
	`line_id` text NOT NULL,
	`unit_cost` integer,
	`note` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bid_lines_bid` ON `bid_lines` (`bid_id`);--> statement-breakpoint
CREATE TABLE `bids` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`account_id` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`submitted_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bids_version` ON `bids` (`version_id`);--> statement-breakpoint
CREATE INDEX `bids_org_doc` ON `bids` (`org_id`,`document_id`);--> statement-breakpoint
CREATE TABLE `comments` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`side` text NOT NULL,
	`user_id` text,
	`contact_id` text,
	`author_name` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `comments_doc` ON `comments` (`org_id`,`document_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`phone` text DEFAULT '' NOT NULL,
	`access_version` integer DEFAULT 1 NOT NULL,
	`esign_consent_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `contacts_account` ON `contacts` (`org_id`,`account_id`);--> statement-breakpoint
CREATE TABLE `cost_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`job_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`source_document_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cost_groups_job` ON `cost_groups` (`org_id`,`job_id`,`position`);--> statement-breakpoint
CREATE TABLE `cost_items` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`job_id` text NOT NULL,
	`group_id` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`cost_code` text DEFAULT '' NOT NULL,
	`cost_type` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit` text DEFAULT '' NOT NULL,
	`unit_cost` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`taxable` integer DEFAULT false NOT NULL,
	`vendor_account_id` text,
	`accepted_bid_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cost_items_job` ON `cost_items` (`org_id`,`job_id`,`group_id`,`position`);--> statement-breakpoint
CREATE TABLE `counters` (
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`org_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `document_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`cost_item_id` text,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`cost_code` text DEFAULT '' NOT NULL,
	`cost_type` text,
	`quantity` integer DEFAULT 0 NOT NULL,
	`unit` text DEFAULT '' NOT NULL,
	`unit_cost` integer DEFAULT 0 NOT NULL,
	`unit_price` integer DEFAULT 0 NOT NULL,
	`taxable` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `document_lines_version` ON `document_lines` (`version_id`,`position`);--> statement-breakpoint
CREATE TABLE `document_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version` integer NOT NULL,
	`state` text NOT NULL,
	`title` text NOT NULL,
	`issue_date` text NOT NULL,
	`due_date` text,
	`description` text DEFAULT '' NOT NULL,
	`terms` text DEFAULT '' NOT NULL,
	`footer` text DEFAULT '' NOT NULL,
	`tax_rate` integer DEFAULT 0 NOT NULL,
	`deposit_kind` text DEFAULT 'none' NOT NULL,
	`deposit_value` integer DEFAULT 0 NOT NULL,
	`prepared_for_name` text DEFAULT '' NOT NULL,
	`prepared_for_email` text DEFAULT '' NOT NULL,
	`snapshot` text,
	`pdf_key` text,
	`pdf_sha256` text,
	`sent_at` integer,
	`sent_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_versions_doc_version` ON `document_versions` (`document_id`,`version`);--> statement-breakpoint
CREATE INDEX `document_versions_org` ON `document_versions` (`org_id`);--> statement-breakpoint
CREATE TABLE `documents` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`job_id` text NOT NULL,
	`type` text NOT NULL,
	`subtype` text,
	`number` text NOT NULL,
	`status` text NOT NULL,
	`account_id` text,
	`contact_id` text,
	`require_signature` integer DEFAULT false NOT NULL,
	`current_version` integer DEFAULT 1 NOT NULL,
	`sent_version` integer,
	`source_document_id` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	`notified_contractor_at` integer,
	`notified_recipient_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `documents_org_type_number` ON `documents` (`org_id`,`type`,`number`);--> statement-breakpoint
CREATE INDEX `documents_org_job` ON `documents` (`org_id`,`job_id`);--> statement-breakpoint
CREATE INDEX `documents_org_account` ON `documents` (`org_id`,`account_id`,`sent_version`);--> statement-breakpoint
CREATE INDEX `documents_org_status` ON `documents` (`org_id`,`type`,`status`);--> statement-breakpoint
CREATE TABLE `files` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`r2_key` text NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`side` text NOT NULL,
	`user_id` text,
	`contact_id` text,
	`uploader_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`removed_at` integer
);
--> statement-breakpoint
CREATE INDEX `files_doc` ON `files` (`org_id`,`document_id`);--> statement-breakpoint
CREATE TABLE `invites` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invites_token` ON `invites` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invites_org` ON `invites` (`org_id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`number` integer NOT NULL,
	`name` text NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`customer_account_id` text,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_org_number` ON `jobs` (`org_id`,`number`);--> statement-breakpoint
CREATE INDEX `jobs_org_status` ON `jobs` (`org_id`,`status`);--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`currency` text NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`phone` text DEFAULT '' NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`brand_color` text DEFAULT '#1f5f8b' NOT NULL,
	`logo_key` text,
	`logo_content_type` text,
	`default_tax_rate` integer DEFAULT 0 NOT NULL,
	`default_terms` text DEFAULT '' NOT NULL,
	`default_footer` text DEFAULT '' NOT NULL,
	`payment_instructions` text DEFAULT '' NOT NULL,
	`portal_link_days` integer DEFAULT 90 NOT NULL,
	`max_upload_mb` integer DEFAULT 25 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`document_id` text,
	`kind` text NOT NULL,
	`to_email` text NOT NULL,
	`to_name` text DEFAULT '' NOT NULL,
	`from_name` text NOT NULL,
	`reply_to` text,
	`subject` text NOT NULL,
	`html` text NOT NULL,
	`text` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbox_status` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_doc` ON `outbox` (`org_id`,`document_id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`amount` integer NOT NULL,
	`paid_on` text NOT NULL,
	`method` text NOT NULL,
	`reference` text DEFAULT '' NOT NULL,
	`recorded_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payments_doc` ON `payments` (`org_id`,`document_id`);--> statement-breakpoint
CREATE TABLE `portal_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`access_version` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `portal_sessions_contact` ON `portal_sessions` (`contact_id`);--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`org_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `signatures` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version_id` text NOT NULL,
	`version` integer NOT NULL,
	`contact_id` text NOT NULL,
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
	`seal_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signatures_version_contact` ON `signatures` (`version_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `signatures_org_doc` ON `signatures` (`org_id`,`document_id`);--> statement-breakpoint
CREATE INDEX `signatures_sealed_sha` ON `signatures` (`sealed_pdf_sha256`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text,
	`role` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_org` ON `users` (`org_id`);