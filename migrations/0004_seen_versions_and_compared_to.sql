CREATE TABLE `version_views` (
	`org_id` text NOT NULL,
	`document_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`version` integer NOT NULL,
	`viewed_at` integer NOT NULL,
	PRIMARY KEY(`document_id`, `contact_id`, `version`)
);
--> statement-breakpoint
ALTER TABLE `signatures` ADD `compared_to_version` integer;--> statement-breakpoint
ALTER TABLE `signatures` ADD `compared_to_sha256` text;--> statement-breakpoint
-- Views logged before this table existed: each counts for the version that was sent when it happened.
INSERT OR IGNORE INTO `version_views` (`org_id`, `document_id`, `contact_id`, `version`, `viewed_at`)
SELECT `org_id`, `document_id`, `contact_id`, `version`, min(`created_at`) FROM (
  SELECT a.`org_id`, a.`document_id`, a.`contact_id`, a.`created_at`,
    (SELECT max(v.`version`) FROM `document_versions` v
      WHERE v.`document_id` = a.`document_id` AND v.`sent_at` IS NOT NULL AND v.`sent_at` <= a.`created_at`) AS `version`
  FROM `activity` a
  WHERE a.`action` = 'viewed' AND a.`contact_id` IS NOT NULL AND a.`document_id` IS NOT NULL
) WHERE `version` IS NOT NULL
GROUP BY `org_id`, `document_id`, `contact_id`, `version`;
