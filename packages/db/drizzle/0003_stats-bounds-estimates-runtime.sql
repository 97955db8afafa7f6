ALTER TABLE `epochs` ADD `train_elbo` real;--> statement-breakpoint
ALTER TABLE `epochs` ADD `train_iwae` real;--> statement-breakpoint
ALTER TABLE `epochs` ADD `validation_bound` real;--> statement-breakpoint
ALTER TABLE `group_epochs` ADD `elbo_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_epochs` ADD `iwae_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_epochs` ADD `train_n` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_epochs` ADD `validation_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_epochs` ADD `validation_n` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_stats` ADD `jackknife_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_stats` ADD `ess_mean_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_stats` ADD `ess_median_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `group_stats` ADD `estimates_n` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `trials` ADD `test_jackknife` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `test_ess_mean` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `test_ess_median` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `runtime` text;