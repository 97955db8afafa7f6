import type { EpochMetrics, TrialConfig } from '@iwae-sweep/core';
import cliProgress from 'cli-progress';
import { formatSeconds } from './progress.ts';
import { epochBounds } from './web/bound-labels.js';

export interface DisplayedTrial {
  id: string;
  label: string;
  /** What names its epoch figures: both training bounds and the validation bound. */
  config: Pick<TrialConfig, 'k' | 'validationK' | 'objective'>;
}

/** What the local runner shows while it works. */
export interface RunDisplay {
  start(sweepId: string, total: number, alreadyDone: number, workers: number): void;
  trialStarted(slot: number, trial: DisplayedTrial, attempt: number): void;
  phase(slot: number, trial: DisplayedTrial, phase: string, detail?: { resumedFromEpoch?: number | undefined }): void;
  epoch(slot: number, trial: DisplayedTrial, m: EpochMetrics, total: number): void;
  evalProgress(slot: number, trial: DisplayedTrial, done: number, total: number): void;
  trialDone(slot: number, trial: DisplayedTrial, summary: string): void;
  trialFailed(slot: number, trial: DisplayedTrial, message: string, final: boolean): void;
  /** The sweep's stopping rule ended the trial at a rung. */
  trialStopped(slot: number, trial: DisplayedTrial, reason: string): void;
  progress(done: number, total: number, etaSeconds: number): void;
  stop(message?: string): void;
}

/** Plain lines (logs, pipes, CI): one per event worth keeping. */
export class LineDisplay implements RunDisplay {
  private total = 0;
  private offset = 0;
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}
  private write(line: string) {
    this.out.write(`${line}\n`);
  }
  start(sweepId: string, total: number, alreadyDone: number, workers: number) {
    this.total = total;
    this.offset = alreadyDone;
    this.write(`sweep ${sweepId}: ${total} trials, ${alreadyDone} already done, ${workers} worker process(es)`);
  }
  trialStarted(slot: number, t: DisplayedTrial, attempt: number) {
    this.write(`[w${slot}] start ${t.label} (${t.id}${attempt > 1 ? `, attempt ${attempt}` : ''})`);
  }
  phase(slot: number, t: DisplayedTrial, phase: string, detail?: { resumedFromEpoch?: number | undefined }) {
    if (phase === 'training' && detail?.resumedFromEpoch)
      this.write(`[w${slot}] ${t.label}: resumed after epoch ${detail.resumedFromEpoch}`);
    if (phase === 'evaluating') this.write(`[w${slot}] ${t.label}: evaluating`);
  }
  epoch(slot: number, t: DisplayedTrial, m: EpochMetrics, total: number) {
    this.write(
      `[w${slot}] ${t.label}: epoch ${m.epoch}/${total} ${epochBounds(m, t.config)} ${m.examplesPerSecond.toFixed(0)} ex/s`,
    );
  }
  evalProgress() {}
  trialDone(slot: number, t: DisplayedTrial, summary: string) {
    this.write(`[w${slot}] done  ${t.label}: ${summary}`);
  }
  trialStopped(slot: number, t: DisplayedTrial, reason: string) {
    this.write(`[w${slot}] stop  ${t.label}: ${reason}`);
  }
  trialFailed(slot: number, t: DisplayedTrial, message: string, final: boolean) {
    this.write(`[w${slot}] ${final ? 'FAILED' : 'retry '} ${t.label}: ${message.split('\n')[0]}`);
  }
  private lastDone = -1;
  progress(done: number, _total: number, eta: number) {
    if (done === this.lastDone) return;
    this.lastDone = done;
    this.write(
      `progress: ${this.offset + done}/${this.total} trials${Number.isFinite(eta) ? `, eta ${formatSeconds(eta)}` : ''}`,
    );
  }
  stop(message?: string) {
    if (message) this.write(message);
  }
}

/** A terminal display: an overall bar and one line per worker with its trial's epoch and bound. */
export class BarDisplay implements RunDisplay {
  private readonly multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      format: '{name} [{bar}] {value}/{total} {info}',
      barsize: 24,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  private overall: cliProgress.SingleBar | undefined;
  private offset = 0;
  private readonly slots = new Map<number, cliProgress.SingleBar>();

  start(sweepId: string, total: number, alreadyDone: number, workers: number) {
    this.offset = alreadyDone;
    this.overall = this.multi.create(total, alreadyDone, { name: `sweep ${sweepId}`.padEnd(34), info: '' });
    for (let s = 1; s <= workers; s++) this.slots.set(s, this.multi.create(1, 0, { name: `  w${s} idle`.padEnd(34), info: '' }));
  }
  private bar(slot: number) {
    return this.slots.get(slot);
  }
  trialStarted(slot: number, t: DisplayedTrial, attempt: number) {
    this.bar(slot)?.start(1, 0, {
      name: `  w${slot} ${t.label}`.padEnd(34),
      info: attempt > 1 ? `attempt ${attempt}` : 'loading',
    });
  }
  phase(slot: number, _t: DisplayedTrial, phase: string, detail?: { resumedFromEpoch?: number | undefined }) {
    const info = phase === 'training' && detail?.resumedFromEpoch ? `resumed after epoch ${detail.resumedFromEpoch}` : phase;
    this.bar(slot)?.update({ info });
  }
  epoch(slot: number, t: DisplayedTrial, m: EpochMetrics, total: number) {
    const b = this.bar(slot);
    b?.setTotal(total);
    b?.update(m.epoch, {
      info: `epoch ${m.epoch}/${total} ${epochBounds(m, t.config)} ${m.examplesPerSecond.toFixed(0)} ex/s`,
    });
  }
  evalProgress(slot: number, _t: DisplayedTrial, done: number, total: number) {
    this.bar(slot)?.update({ info: `evaluating ${Math.round((100 * done) / total)}%` });
  }
  trialDone(slot: number, t: DisplayedTrial, summary: string) {
    this.multi.log(`done   ${t.label}: ${summary}\n`);
    this.bar(slot)?.update({ name: `  w${slot} idle`.padEnd(34), info: '' });
  }
  trialStopped(slot: number, t: DisplayedTrial, reason: string) {
    this.multi.log(`stop   ${t.label}: ${reason}\n`);
    this.bar(slot)?.update({ name: `  w${slot} idle`.padEnd(34), info: '' });
  }
  trialFailed(slot: number, t: DisplayedTrial, message: string, final: boolean) {
    this.multi.log(`${final ? 'FAILED' : 'retry '} ${t.label}: ${message.split('\n')[0]}\n`);
    this.bar(slot)?.update({ name: `  w${slot} idle`.padEnd(34), info: '' });
  }
  progress(done: number, _total: number, eta: number) {
    this.overall?.update(this.offset + done, { info: Number.isFinite(eta) ? `eta ${formatSeconds(eta)}` : '' });
  }
  stop(message?: string) {
    this.multi.stop();
    if (message) process.stderr.write(`${message}\n`);
  }
}
