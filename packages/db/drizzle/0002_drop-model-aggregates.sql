DROP TABLE `model_bounds`;--> statement-breakpoint
DROP TABLE `model_epochs`;--> statement-breakpoint
DROP TABLE `model_stats`;