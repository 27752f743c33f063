CREATE TABLE `online_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version` integer NOT NULL,
	`contact_id` text,
	`purpose` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`session_id` text NOT NULL,
	`url` text NOT NULL,
	`status` text NOT NULL,
	`method` text,
	`payment_intent_id` text,
	`refunded` integer DEFAULT 0 NOT NULL,
	`flag` text,
	`payment_id` text,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `online_payments_session` ON `online_payments` (`session_id`);--> statement-breakpoint
CREATE INDEX `online_payments_doc` ON `online_payments` (`org_id`,`document_id`,`status`);--> statement-breakpoint
CREATE INDEX `online_payments_intent` ON `online_payments` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`account` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `documents` ADD `online_payment` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `stripe_account_id` text;--> statement-breakpoint
ALTER TABLE `orgs` ADD `stripe_status` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `stripe_card` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `stripe_bank` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `online_payment_default` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `pay_other_amount` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `pay_minimum` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_stripe_account` ON `orgs` (`stripe_account_id`);