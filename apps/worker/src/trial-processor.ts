/** The sandboxed processor BullMQ forks for each concurrent trial of a worker: it trains. */
import { executeTrial } from './execute-trial.ts';
import { createTrialProcessor } from './trial-processor-factory.ts';

export default createTrialProcessor(executeTrial);
