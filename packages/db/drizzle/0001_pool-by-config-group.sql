CREATE TABLE `group_bounds` (
	`sweep_id` text NOT NULL,
	`group_id` text NOT NULL,
	`eval_k` integer NOT NULL,
	`bound_sum` real NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`sweep_id`, `group_id`, `eval_k`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `group_epochs` (
	`sweep_id` text NOT NULL,
	`group_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`bound_sum` real NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`sweep_id`, `group_id`, `epoch`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `group_stats` (
	`sweep_id` text NOT NULL,
	`group_id` text NOT NULL,
	`layers` integer NOT NULL,
	`objective` text NOT NULL,
	`k` integer NOT NULL,
	`latent` integer NOT NULL,
	`trials` integer NOT NULL,
	`nll_sum` real NOT NULL,
	`nll_sq` real NOT NULL,
	`units_sum` real NOT NULL,
	`units_sq` real NOT NULL,
	`units1_sum` real NOT NULL,
	`units2_sum` real NOT NULL,
	`train_seconds` real NOT NULL,
	`eval_seconds` real NOT NULL,
	PRIMARY KEY(`sweep_id`, `group_id`)
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `trials` ADD `group_id` text;--> statement-breakpoint
CREATE INDEX `trials_group` ON `trials` (`sweep_id`,`group_id`);