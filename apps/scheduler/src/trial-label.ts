// One trial name for the terminal and the dashboard: "iwae 1L K=50 z=50 s0", "miwae 1L M=5 × K=10 z=50 s0".
export { trialLabel } from './web/estimator-labels.js';
