/** The processor a worker's trial processes run (trial-process-main.ts loads it): it trains. */
import { executeTrial } from './execute-trial.ts';
import { createTrialProcessor } from './trial-processor-factory.ts';

export default createTrialProcessor(executeTrial);
