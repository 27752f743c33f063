CREATE TABLE `document_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`terms` text DEFAULT '' NOT NULL,
	`footer` text DEFAULT '' NOT NULL,
	`display` text DEFAULT '{}' NOT NULL,
	`deposit_kind` text DEFAULT 'none' NOT NULL,
	`deposit_value` integer DEFAULT 0 NOT NULL,
	`require_signature` integer DEFAULT true NOT NULL,
	`reminder_plan` text,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_templates_org_kind_name` ON `document_templates` (`org_id`,`kind`,`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `document_templates_default` ON `document_templates` (`org_id`,`kind`) WHERE is_default = 1;--> statement-breakpoint
CREATE TABLE `file_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`name` text NOT NULL,
	`required` integer DEFAULT true NOT NULL,
	`position` integer NOT NULL,
	`file_id` text,
	`filled_by` text,
	`filled_at` integer,
	`waived_by` text,
	`waived_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `file_requests_doc` ON `file_requests` (`org_id`,`document_id`,`position`);--> statement-breakpoint
CREATE UNIQUE INDEX `file_requests_doc_name` ON `file_requests` (`document_id`,`name`);--> statement-breakpoint
CREATE TABLE `offline_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version_id` text NOT NULL,
	`version` integer NOT NULL,
	`approver_name` text NOT NULL,
	`method` text NOT NULL,
	`approved_on` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`scan_file_id` text,
	`selection` text,
	`recorded_by` text NOT NULL,
	`recorded_by_name` text NOT NULL,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offline_approvals_version` ON `offline_approvals` (`version_id`);--> statement-breakpoint
CREATE INDEX `offline_approvals_doc` ON `offline_approvals` (`org_id`,`document_id`);--> statement-breakpoint
ALTER TABLE `document_lines` ADD `choice` text DEFAULT 'required' NOT NULL;--> statement-breakpoint
ALTER TABLE `document_lines` ADD `choice_set` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `document_lines` ADD `preselected` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `document_lines` ADD `allowance` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `display` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `selection` text;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `selected_snapshot` text;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `selected_pdf_key` text;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `selected_pdf_sha256` text;--> statement-breakpoint
ALTER TABLE `document_versions` ADD `selected_signature_box` text;--> statement-breakpoint
ALTER TABLE `documents` ADD `template_id` text;--> statement-breakpoint
/* Issue 20, expand: each kind's terms (org_terms) become that kind's default template, named Standard. org_terms is no longer written and is dropped a release later. */
INSERT INTO `document_templates` (`id`, `org_id`, `kind`, `name`, `terms`, `require_signature`, `is_default`, `created_at`, `updated_at`)
SELECT lower(hex(randomblob(12))), t.`org_id`, t.`kind`, 'Standard', t.`terms`,
  t.`kind` IN ('estimate', 'proposal', 'change_order', 'purchase_order', 'work_order'), 1,
  CAST(strftime('%s', 'now') AS integer) * 1000, CAST(strftime('%s', 'now') AS integer) * 1000
FROM `org_terms` t
WHERE NOT EXISTS (SELECT 1 FROM `document_templates` d WHERE d.`org_id` = t.`org_id` AND d.`kind` = t.`kind`);
