ALTER TABLE `epochs` ADD `snr_encoder_mean` real;--> statement-breakpoint
ALTER TABLE `epochs` ADD `snr_encoder_median` real;--> statement-breakpoint
ALTER TABLE `epochs` ADD `snr_decoder_mean` real;--> statement-breakpoint
ALTER TABLE `epochs` ADD `snr_decoder_median` real;