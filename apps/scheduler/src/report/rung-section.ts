import { ruleHtml, rungTableHtml, stoppedTableHtml } from '../web/rung-tables.js';
import type { RungData } from './rung-data.ts';

/** The report's early-stopping section: the rule, the rungs plot and tables; none without a rule. */
export function rungSectionHtml(rungs: RungData | null): string {
  if (!rungs) return '';
  return `<h2 id="rungs">Early stopping: rungs</h2>
${ruleHtml(rungs)}
<div class="chart" id="chart-rungs"></div>
${rungTableHtml(rungs)}
<h3>Stopped trials</h3>
${stoppedTableHtml(rungs)}`;
}
