import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IwaeSweepError } from '@iwae-sweep/core';
import type { Command } from 'commander';
import { dbOption, openExistingDb, requireSweep, withDb } from '../open-db.ts';
import { renderReport } from '../report/render-report.ts';
import { buildReportData } from '../report/report-data.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a sweep: paper-style table, bound vs K with its 1/K fit, learning curves')
    .addOption(dbOption())
    .option('--sweep <id>', 'the sweep (default: the only, or most recent, one)')
    .option('--out <file>', 'output file', 'report.html')
    .action(async (flags: { db?: string; sweep?: string; out: string }) => {
      await withDb(openExistingDb(flags.db), (db) => {
        const sweepId = flags.sweep ? requireSweep(db, flags.sweep) : db.sweepSummaries()[0]?.id;
        if (!sweepId) throw new IwaeSweepError('no_sweep', `no sweeps in ${db.file} (run one first)`);
        const html = renderReport(buildReportData(db, sweepId));
        const out = resolve(flags.out);
        writeFileSync(out, html);
        process.stderr.write(`wrote ${out} (${(html.length / 1024).toFixed(0)} KiB)\n`);
      });
    });
}
