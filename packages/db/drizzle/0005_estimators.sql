ALTER TABLE `trials` ADD `m` integer;--> statement-breakpoint
ALTER TABLE `trials` ADD `beta` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `snr_encoder_mean` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `snr_encoder_median` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `snr_decoder_mean` real;--> statement-breakpoint
ALTER TABLE `trials` ADD `snr_decoder_median` real;