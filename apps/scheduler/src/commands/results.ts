import { parseNumberFlag } from '@iwae-sweep/cli';
import { ValidationError } from '@iwae-sweep/core';
import type { Command } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from '../format-table.ts';
import { dbOption, openExistingDb, requireSweep, withDb } from '../open-db.ts';
import { parseSort, parseWhere } from '../result-filters.ts';
import { renderEpochs, renderResults } from '../results-columns.ts';
import { parseGroupBy, renderGroups } from '../results-groups.ts';

export function parseFormat(value: string): OutputFormat {
  if (!(OUTPUT_FORMATS as string[]).includes(value)) {
    throw new ValidationError('command-line flags', [
      { field: '--format', value, expected: `one of ${OUTPUT_FORMATS.join(', ')}` },
    ]);
  }
  return value as OutputFormat;
}

interface ResultsFlags {
  db?: string;
  sweep?: string;
  where: string[];
  sort?: string;
  format: string;
  limit?: string;
  groupBy?: string | true;
  epochs?: boolean;
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('one row per trial with its test NLL, per-K bounds, train bound and active units')
    .addOption(dbOption())
    .option('--sweep <id>', 'only this sweep')
    .option(
      '--where <expr>',
      'filter, e.g. "k>=5", "objective=iwae and layers=2" (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--sort <columns>', 'sort, e.g. "testNll" or "-k,testNll" (- for descending)')
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--limit <n>', 'at most n rows')
    .option(
      '--group-by [fields]',
      'mean ± sd and n of every metric per group of trials; fields comma-separated, or none for the whole config but the seed',
    )
    .option('--epochs', 'one row per epoch of each trial (long format) instead of one per trial')
    .action(async (flags: ResultsFlags) => {
      const format = parseFormat(flags.format);
      const where = parseWhere(flags.where);
      const sort = parseSort(flags.sort);
      const limit = flags.limit ? parseNumberFlag('--limit', flags.limit, { integer: true, min: 1 }) : undefined;
      const groupBy = flags.groupBy !== undefined ? parseGroupBy(flags.groupBy) : undefined;
      await withDb(openExistingDb(flags.db), (db) => {
        if (flags.sweep) requireSweep(db, flags.sweep);
        if (flags.epochs) {
          const rows = db.epochResults({ sweepId: flags.sweep, where, ...(limit ? { limit } : {}) });
          process.stdout.write(renderEpochs(format, rows));
          return;
        }
        const rows = db.results({ sweepId: flags.sweep, where, sort, ...(groupBy ? {} : limit ? { limit } : {}) });
        if (groupBy) {
          process.stdout.write(renderGroups(format, rows, groupBy));
          return;
        }
        process.stdout.write(renderResults(format, rows, { sweep: !flags.sweep }));
      });
    });
}
