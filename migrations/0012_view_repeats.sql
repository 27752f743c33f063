ALTER TABLE `version_views` ADD `last_viewed_at` integer;--> statement-breakpoint
ALTER TABLE `version_views` ADD `last_viewed_from` text;