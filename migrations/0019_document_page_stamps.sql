-- Issue 19: the contractor's document page is held as the job page is (documents/pages.ts openDocument), its
-- stamp the document's, its job's, its org's and its account's page_rev with its job's row of job_page_stamps
-- (migration 0018). What it shows besides: the document's reminders, its contact (any of its account's, and
-- its recipients': 0017 bumps the document for those; a consent recorded changes nothing shown), the user who
-- created it. Their writes bump the job.
CREATE TRIGGER `reminders_job_stamp_insert` AFTER INSERT ON `reminders` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = NEW.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `reminders_job_stamp_update` AFTER UPDATE ON `reminders` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = OLD.`document_id` UNION SELECT `job_id` FROM `documents` WHERE `id` = NEW.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `reminders_job_stamp_delete` AFTER DELETE ON `reminders` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `id` = OLD.`document_id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `contacts_job_stamp_insert` AFTER INSERT ON `contacts` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `org_id` = NEW.`org_id` AND (`account_id` = NEW.`account_id` OR `contact_id` = NEW.`id`)) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `contacts_job_stamp_update` AFTER UPDATE OF `name`, `email`, `phone`, `access_version`, `account_id` ON `contacts` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `org_id` = OLD.`org_id` AND (`account_id` = OLD.`account_id` OR `contact_id` = OLD.`id`) UNION SELECT `job_id` FROM `documents` WHERE `org_id` = NEW.`org_id` AND (`account_id` = NEW.`account_id` OR `contact_id` = NEW.`id`)) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `contacts_job_stamp_delete` AFTER DELETE ON `contacts` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `org_id` = OLD.`org_id` AND (`account_id` = OLD.`account_id` OR `contact_id` = OLD.`id`)) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `users_job_stamp_update` AFTER UPDATE OF `name`, `email` ON `users` WHEN OLD.`name` IS NOT NEW.`name` OR OLD.`email` IS NOT NEW.`email` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `org_id` = NEW.`org_id` AND `created_by` = NEW.`id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
--> statement-breakpoint
CREATE TRIGGER `users_job_stamp_delete` AFTER DELETE ON `users` BEGIN INSERT INTO `job_page_stamps` (`job_id`, `rev`) SELECT `j`, 1 FROM (SELECT `job_id` AS `j` FROM `documents` WHERE `org_id` = OLD.`org_id` AND `created_by` = OLD.`id`) WHERE `j` IS NOT NULL ON CONFLICT (`job_id`) DO UPDATE SET `rev` = `rev` + 1; END;
