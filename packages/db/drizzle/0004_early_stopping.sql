CREATE TABLE `trial_rungs` (
	`sweep_id` text NOT NULL,
	`trial_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`rung` integer NOT NULL,
	`metric` real NOT NULL,
	`stop` integer NOT NULL,
	`reason` text NOT NULL,
	`decided_at` integer NOT NULL,
	PRIMARY KEY(`trial_id`, `epoch`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `trial_rungs_sweep_epoch` ON `trial_rungs` (`sweep_id`,`epoch`);--> statement-breakpoint
ALTER TABLE `trials` ADD `stop_epoch` integer;--> statement-breakpoint
ALTER TABLE `trials` ADD `stop_metric` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `stop_reason` text;