-- Stamps for the portal's page cache (portal/page-cache.ts): a page held per isolate is served again only
-- while its stamp (documents, jobs, orgs and accounts `page_rev`) is unchanged. Triggers bump them, so no write
-- path can forget: a row a portal document page shows bumps its document; a document bumps itself and its
-- account (a portal list's stamp); a job, an org or an account bumps itself.
ALTER TABLE `accounts` ADD `page_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `documents` ADD `page_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `page_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `page_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TRIGGER `document_versions_stamp_insert` AFTER INSERT ON `document_versions` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `document_versions_stamp_update` AFTER UPDATE ON `document_versions` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `document_versions_stamp_delete` AFTER DELETE ON `document_versions` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `document_recipients_stamp_insert` AFTER INSERT ON `document_recipients` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `document_recipients_stamp_update` AFTER UPDATE ON `document_recipients` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `document_recipients_stamp_delete` AFTER DELETE ON `document_recipients` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `payments_stamp_insert` AFTER INSERT ON `payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `payments_stamp_update` AFTER UPDATE ON `payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `payments_stamp_delete` AFTER DELETE ON `payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `online_payments_stamp_insert` AFTER INSERT ON `online_payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `online_payments_stamp_update` AFTER UPDATE ON `online_payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `online_payments_stamp_delete` AFTER DELETE ON `online_payments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `comments_stamp_insert` AFTER INSERT ON `comments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `comments_stamp_update` AFTER UPDATE ON `comments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `comments_stamp_delete` AFTER DELETE ON `comments` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `files_stamp_insert` AFTER INSERT ON `files` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `files_stamp_update` AFTER UPDATE ON `files` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `files_stamp_delete` AFTER DELETE ON `files` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `signatures_stamp_insert` AFTER INSERT ON `signatures` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `signatures_stamp_update` AFTER UPDATE ON `signatures` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `signatures_stamp_delete` AFTER DELETE ON `signatures` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bids_stamp_insert` AFTER INSERT ON `bids` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bids_stamp_update` AFTER UPDATE ON `bids` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bids_stamp_delete` AFTER DELETE ON `bids` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
-- A view of the sent version changes no page (only its view log's facts, portal/pages.ts `logView`): an earlier
-- version's changes what a revision is compared with.
CREATE TRIGGER `version_views_stamp_insert` AFTER INSERT ON `version_views` WHEN NEW.`version` < (SELECT `sent_version` FROM `documents` WHERE `id` = NEW.`document_id`) BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `version_views_stamp_update` AFTER UPDATE ON `version_views` WHEN OLD.`version` < (SELECT `sent_version` FROM `documents` WHERE `id` = OLD.`document_id`) OR NEW.`version` < (SELECT `sent_version` FROM `documents` WHERE `id` = NEW.`document_id`) BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `version_views_stamp_delete` AFTER DELETE ON `version_views` WHEN OLD.`version` < (SELECT `sent_version` FROM `documents` WHERE `id` = OLD.`document_id`) BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `file_requests_stamp_insert` AFTER INSERT ON `file_requests` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `file_requests_stamp_update` AFTER UPDATE ON `file_requests` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `file_requests_stamp_delete` AFTER DELETE ON `file_requests` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `offline_approvals_stamp_insert` AFTER INSERT ON `offline_approvals` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `offline_approvals_stamp_update` AFTER UPDATE ON `offline_approvals` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`, NEW.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `offline_approvals_stamp_delete` AFTER DELETE ON `offline_approvals` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`document_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bid_lines_stamp_insert` AFTER INSERT ON `bid_lines` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `bids` WHERE `id` = NEW.`bid_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bid_lines_stamp_update` AFTER UPDATE ON `bid_lines` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `bids` WHERE `id` = OLD.`bid_id` UNION SELECT `document_id` FROM `bids` WHERE `id` = NEW.`bid_id`); END;
--> statement-breakpoint
CREATE TRIGGER `bid_lines_stamp_delete` AFTER DELETE ON `bid_lines` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `bids` WHERE `id` = OLD.`bid_id`); END;
--> statement-breakpoint
-- A contact's name shows on the pages of the documents it is a recipient of.
CREATE TRIGGER `contacts_stamp_update` AFTER UPDATE ON `contacts` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `document_recipients` WHERE `contact_id` = NEW.`id`); END;
--> statement-breakpoint
CREATE TRIGGER `contacts_stamp_delete` AFTER DELETE ON `contacts` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `document_recipients` WHERE `contact_id` = OLD.`id`); END;
--> statement-breakpoint
-- A user's name shows on the file requests they waived.
CREATE TRIGGER `users_stamp_update` AFTER UPDATE OF `name` ON `users` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `file_requests` WHERE `org_id` = NEW.`org_id` AND `waived_by` = NEW.`id`); END;
--> statement-breakpoint
CREATE TRIGGER `users_stamp_delete` AFTER DELETE ON `users` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `document_id` FROM `file_requests` WHERE `org_id` = OLD.`org_id` AND `waived_by` = OLD.`id`); END;
--> statement-breakpoint
CREATE TRIGGER `documents_stamp_self` AFTER UPDATE ON `documents` WHEN NEW.`page_rev` IS OLD.`page_rev` BEGIN UPDATE `documents` SET `page_rev` = `page_rev` + 1 WHERE `id` = NEW.`id`; END;
--> statement-breakpoint
CREATE TRIGGER `jobs_stamp_self` AFTER UPDATE ON `jobs` WHEN NEW.`page_rev` IS OLD.`page_rev` BEGIN UPDATE `jobs` SET `page_rev` = `page_rev` + 1 WHERE `id` = NEW.`id`; END;
--> statement-breakpoint
CREATE TRIGGER `orgs_stamp_self` AFTER UPDATE ON `orgs` WHEN NEW.`page_rev` IS OLD.`page_rev` BEGIN UPDATE `orgs` SET `page_rev` = `page_rev` + 1 WHERE `id` = NEW.`id`; END;
--> statement-breakpoint
CREATE TRIGGER `accounts_stamp_self` AFTER UPDATE ON `accounts` WHEN NEW.`page_rev` IS OLD.`page_rev` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` = NEW.`id`; END;
--> statement-breakpoint
CREATE TRIGGER `documents_stamp_account_insert` AFTER INSERT ON `documents` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (NEW.`account_id`); END;
--> statement-breakpoint
CREATE TRIGGER `documents_stamp_account_update` AFTER UPDATE OF `page_rev` ON `documents` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` = NEW.`account_id`; END;
--> statement-breakpoint
CREATE TRIGGER `documents_stamp_account_moved` AFTER UPDATE OF `account_id` ON `documents` WHEN OLD.`account_id` IS NOT NEW.`account_id` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` = OLD.`account_id`; END;
--> statement-breakpoint
CREATE TRIGGER `documents_stamp_account_delete` AFTER DELETE ON `documents` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (OLD.`account_id`); END;
--> statement-breakpoint
CREATE TRIGGER `jobs_stamp_accounts` AFTER UPDATE ON `jobs` WHEN NEW.`page_rev` IS OLD.`page_rev` BEGIN UPDATE `accounts` SET `page_rev` = `page_rev` + 1 WHERE `id` IN (SELECT `account_id` FROM `documents` WHERE `org_id` = NEW.`org_id` AND `job_id` = NEW.`id`); END;
