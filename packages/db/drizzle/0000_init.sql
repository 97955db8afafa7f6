CREATE TABLE `epochs` (
	`trial_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`train_bound` real NOT NULL,
	`seconds` real NOT NULL,
	`examples_per_second` real NOT NULL,
	`learning_rate` real NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`trial_id`, `epoch`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `epochs_recorded` ON `epochs` (`recorded_at`);--> statement-breakpoint
CREATE TABLE `model_bounds` (
	`sweep_id` text NOT NULL,
	`layers` integer NOT NULL,
	`objective` text NOT NULL,
	`k` integer NOT NULL,
	`latent` integer NOT NULL,
	`eval_k` integer NOT NULL,
	`bound_sum` real NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`sweep_id`, `layers`, `objective`, `k`, `latent`, `eval_k`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `model_epochs` (
	`sweep_id` text NOT NULL,
	`layers` integer NOT NULL,
	`objective` text NOT NULL,
	`k` integer NOT NULL,
	`latent` integer NOT NULL,
	`epoch` integer NOT NULL,
	`bound_sum` real NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`sweep_id`, `layers`, `objective`, `k`, `latent`, `epoch`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `model_stats` (
	`sweep_id` text NOT NULL,
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
	PRIMARY KEY(`sweep_id`, `layers`, `objective`, `k`, `latent`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `sweep_runs` (
	`sweep_id` text NOT NULL,
	`host` text NOT NULL,
	`backend` text NOT NULL,
	`git_sha` text NOT NULL,
	PRIMARY KEY(`sweep_id`, `host`, `backend`, `git_sha`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`description` text,
	`spec_json` text NOT NULL,
	`mode` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`git_sha` text,
	`host` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `trial_configs` (
	`trial_id` text PRIMARY KEY NOT NULL,
	`config_json` text NOT NULL,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `trials` (
	`id` text PRIMARY KEY NOT NULL,
	`sweep_id` text NOT NULL,
	`objective` text NOT NULL,
	`k` integer NOT NULL,
	`latent` integer NOT NULL,
	`layers` integer NOT NULL,
	`seed` integer NOT NULL,
	`batch_size` integer NOT NULL,
	`train_size` integer NOT NULL,
	`epochs_total` integer NOT NULL,
	`flops` real NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`phase` text,
	`epochs_done` integer DEFAULT 0 NOT NULL,
	`last_train_bound` real,
	`host` text,
	`backend` text,
	`worker_id` text,
	`git_sha` text,
	`error` text,
	`error_stack` text,
	`test_nll` real,
	`test_bound` real,
	`eval_k` integer,
	`train_bound` real,
	`active_units` integer,
	`active_units_per_layer` text,
	`test_bounds` text,
	`examples_per_second` real,
	`train_seconds` real,
	`eval_seconds` real,
	`gradient` text,
	`resumed_from_epoch` integer,
	`result_recorded_at` integer,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `trials_sweep_status` ON `trials` (`sweep_id`,`status`,`flops`,`epochs_done`,`epochs_total`,`started_at`,`finished_at`);--> statement-breakpoint
CREATE INDEX `trials_model` ON `trials` (`sweep_id`,`layers`,`objective`,`k`);--> statement-breakpoint
CREATE INDEX `trials_latent` ON `trials` (`latent`);--> statement-breakpoint
CREATE INDEX `trials_nll` ON `trials` (`sweep_id`,`test_nll`);--> statement-breakpoint
CREATE INDEX `trials_sweep_updated` ON `trials` (`sweep_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `trials_seed` ON `trials` (`seed`);