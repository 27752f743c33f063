DROP INDEX `comments_doc`;--> statement-breakpoint
CREATE INDEX `comments_doc_time` ON `comments` (`org_id`,`document_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `documents_org_updated` ON `documents` (`org_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `orgs_time_zone` ON `orgs` (`time_zone`);--> statement-breakpoint
CREATE INDEX `signatures_unsealed` ON `signatures` (`version_id`,`document_id`) WHERE sealed_at IS NULL;--> statement-breakpoint
CREATE INDEX `users_digest` ON `users` (`daily_digest`,`digest_on`);