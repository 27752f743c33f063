DROP INDEX `document_recipients_contact`;--> statement-breakpoint
CREATE INDEX `document_recipients_contact` ON `document_recipients` (`contact_id`,`org_id`);