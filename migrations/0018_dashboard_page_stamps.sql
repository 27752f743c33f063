CREATE TABLE `job_page_stamps` (
	`job_id` text PRIMARY KEY NOT NULL,
	`rev` integer NOT NULL
);--> statement-breakpoint
-- Issue 19: the job page's stamp (budget/pages.ts). Every write to a row the job page shows bumps its job's row;
-- the job's own changes bump jobs.page_rev (migration 0017), read with it. A document's own rows (versions,
-- payments, offline approvals, ...) bump the document's page_rev (0017), whose change bumps the job here. An
-- activity row of a document written without its job (a failed email's, mail/outbox.ts) bumps the document's job.
CREATE TRIGGER `cost_groups_job_stamp_insert` AFTER INSERT ON `cost_groups` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT NEW.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `cost_groups_job_stamp_update` AFTER UPDATE ON `cost_groups` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j` UNION SELECT NEW.`job_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `cost_groups_job_stamp_delete` AFTER DELETE ON `cost_groups` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `cost_items_job_stamp_insert` AFTER INSERT ON `cost_items` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT NEW.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `cost_items_job_stamp_update` AFTER UPDATE ON `cost_items` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j` UNION SELECT NEW.`job_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `cost_items_job_stamp_delete` AFTER DELETE ON `cost_items` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `document_lines_job_stamp_insert` AFTER INSERT ON `document_lines` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = NEW.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `document_lines_job_stamp_update` AFTER UPDATE ON `document_lines` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = OLD.`document_id` UNION SELECT `job_id` FROM `documents` WHERE `id` = NEW.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `document_lines_job_stamp_delete` AFTER DELETE ON `document_lines` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = OLD.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `documents_job_stamp_insert` AFTER INSERT ON `documents` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT NEW.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `documents_job_stamp_update` AFTER UPDATE OF `page_rev` ON `documents` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT NEW.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `documents_job_stamp_moved` AFTER UPDATE OF `job_id` ON `documents` WHEN OLD.`job_id` IS NOT NEW.`job_id` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `documents_job_stamp_delete` AFTER DELETE ON `documents` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT OLD.`job_id` AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `activity_job_stamp_insert` AFTER INSERT ON `activity` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT coalesce(NEW.`job_id`, (SELECT `job_id` FROM `documents` WHERE `id` = NEW.`document_id`)) AS `j`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `accounts_job_stamp_name` AFTER UPDATE OF `name` ON `accounts` WHEN OLD.`name` IS NOT NEW.`name` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `id` AS `j` FROM `jobs` WHERE `org_id` = NEW.`org_id` AND `customer_account_id` = NEW.`id` UNION SELECT `job_id` FROM `cost_items` WHERE `org_id` = NEW.`org_id` AND `vendor_account_id` = NEW.`id` UNION SELECT `job_id` FROM `documents` WHERE `org_id` = NEW.`org_id` AND `account_id` = NEW.`id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
