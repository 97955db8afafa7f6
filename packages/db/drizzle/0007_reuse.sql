ALTER TABLE `trials` ADD `reused_from` text;--> statement-breakpoint
CREATE INDEX `trials_reuse` ON `trials` (`group_id`,`seed`,`status`);