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
);
--> statement-breakpoint
CREATE TABLE `results` (
	`trial_id` text PRIMARY KEY NOT NULL,
	`test_nll` real NOT NULL,
	`test_bound` real NOT NULL,
	`eval_k` integer NOT NULL,
	`train_bound` real NOT NULL,
	`active_units` integer NOT NULL,
	`active_units_per_layer` text NOT NULL,
	`examples_per_second` real NOT NULL,
	`train_seconds` real NOT NULL,
	`eval_seconds` real NOT NULL,
	`backend` text NOT NULL,
	`gradient` text NOT NULL,
	`resumed_from_epoch` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
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
);
--> statement-breakpoint
CREATE TABLE `test_bounds` (
	`trial_id` text NOT NULL,
	`k` integer NOT NULL,
	`bound` real NOT NULL,
	PRIMARY KEY(`trial_id`, `k`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `trials` (
	`id` text PRIMARY KEY NOT NULL,
	`sweep_id` text NOT NULL,
	`config_json` text NOT NULL,
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
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `trials_sweep_status` ON `trials` (`sweep_id`,`status`);--> statement-breakpoint
CREATE INDEX `trials_model` ON `trials` (`sweep_id`,`layers`,`objective`,`k`);--> statement-breakpoint
CREATE INDEX `trials_latent` ON `trials` (`latent`);--> statement-breakpoint
CREATE INDEX `trials_seed` ON `trials` (`seed`);