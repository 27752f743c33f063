DROP INDEX `documents_org_job`;--> statement-breakpoint
CREATE INDEX `documents_org_job` ON `documents` (`org_id`,`job_id`,`updated_at`,`id`);