import { parseDurationFlag } from '@iwae-sweep/cli';
import { readOnlyQueryWithTimeout } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { OUTPUT_FORMATS, render } from '../format-table.ts';
import { dbOption, dbPath } from '../open-db.ts';
import { parseFormat } from './results.ts';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run one read-only SQL statement on the results DB (writes are refused)')
    .argument(
      '<sql>',
      'e.g. "select objective, k, learningRate, avg(testNll), count(*) from results group by 1, 2, 3" (views: results, results_epochs; see the README)',
    )
    .addOption(dbOption())
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--timeout <duration>', 'stop the query after this long, e.g. 30s, 500ms, 2m', '30s')
    .action(async (text: string, flags: { db?: string; format: string; timeout: string }) => {
      const format = parseFormat(flags.format);
      const timeoutMs = parseDurationFlag('--timeout', flags.timeout);
      const { columns, rows } = await readOnlyQueryWithTimeout(dbPath(flags.db), text, timeoutMs);
      process.stdout.write(
        render(
          format,
          rows,
          columns.map((c) => ({ header: c, value: (r: Record<string, unknown>) => r[c] as string | number | null })),
        ),
      );
    });
}
