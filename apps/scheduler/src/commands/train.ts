import { parseBackendFlag, parseNumberFlag } from '@iwae-sweep/cli';
import { estimatorLabel, type TrialResult, trialId, ValidationError } from '@iwae-sweep/core';
import { DirectoryCheckpointStore, runTrial } from '@iwae-sweep/iwae';
import type { Command } from 'commander';
import { formatSeconds, progressBar } from '../progress.ts';
import { addTrialFlags, type TrialFlagValues, trialConfigFromFlags } from '../trial-flags.ts';
import { epochBounds, essTooLow, JACKKNIFE_LABEL, TRAIN_ELBO_LABEL, trainLkLabel, validationLabel } from '../web/bound-labels.js';
import { samplesLabel } from '../web/estimator-labels.js';

interface TrainFlags extends TrialFlagValues {
  backend: string;
  gpu?: string;
  gradient: string;
  checkpointDir?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train and evaluate one IWAE/VAE on MNIST in this process')
    .option('--backend <name>', 'compute backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'wasm')
    .option('--gpu <index>', 'GPU to use with tensorflow-gpu')
    .option('--gradient <path>', 'fast (hand-written gradients) or reference (tfjs autodiff)', 'fast')
    .option('--checkpoint-dir <dir>', 'save a checkpoint every epoch here and resume from it')
    .option('--json', 'print one JSON object with the results instead of text');
  addTrialFlags(cmd).action(async (flags: TrainFlags) => {
    const config = trialConfigFromFlags(flags);
    const backend = parseBackendFlag(flags.backend);
    const gpu = flags.gpu === undefined ? undefined : parseNumberFlag('--gpu', flags.gpu, { integer: true, min: 0 });
    if (flags.gradient !== 'fast' && flags.gradient !== 'reference') {
      throw new ValidationError('command-line flags', [
        { field: '--gradient', value: flags.gradient, expected: 'fast or reference' },
      ]);
    }
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const bar = progressBar(`evaluating L_${config.evalK}`);
    log(
      `${estimatorLabel(config)} · ${config.layers} layer(s) · ${samplesLabel(config)} · latent ${config.latent} · batch ${config.batchSize} · ` +
        `${config.trainSize} train / ${config.testSize} test images · seed ${config.seed}`,
    );
    const result = await runTrial(config, {
      backend,
      ...(gpu === undefined ? {} : { gpu }),
      gradient: flags.gradient,
      ...(flags.checkpointDir
        ? { checkpoints: { store: new DirectoryCheckpointStore(flags.checkpointDir), key: trialId('train', config) } }
        : {}),
      onPhase: (phase, detail) => {
        if (phase === 'training' && detail?.resumedFromEpoch)
          log(`resumed from the checkpoint after epoch ${detail.resumedFromEpoch}`);
        if (phase === 'evaluating') log(`evaluating L_${config.evalK} on ${config.testSize} test images…`);
      },
      onEpoch: (m, total) => {
        log(
          `epoch ${String(m.epoch).padStart(String(total).length)}/${total}  ${epochBounds(m, config, 3)}  ` +
            `${m.examplesPerSecond.toFixed(0)} ex/s  ${formatSeconds(m.seconds)}  lr ${m.learningRate.toPrecision(3)}` +
            (m.gradientSnr ? `  SNR enc ${snrText(m.gradientSnr.encoder)} dec ${snrText(m.gradientSnr.decoder)}` : ''),
        );
      },
      onEvalProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : summary(result));
  });
}

/** Beyond L_evalK: the jackknife (an estimate, labelled so) and the ESS that says whether to trust it. */
function estimateRows(r: TrialResult): [string, string][] {
  if (r.testJackknife === undefined || r.testEssMedian === undefined || r.testEssMean === undefined) return [];
  const warn = essTooLow(r.testEssMedian, r.evalK) ? `  (ESS ≪ K=${r.evalK}: no estimate beyond L_${r.evalK} is reliable)` : '';
  return [
    [JACKKNIFE_LABEL, r.testJackknife.toFixed(3)],
    ['effective sample size', `median ${r.testEssMedian.toFixed(1)}, mean ${r.testEssMean.toFixed(1)} of ${r.evalK}${warn}`],
  ];
}

/** The last epoch's training bounds, each named for what it is. */
function lastEpochRows(r: TrialResult): [string, string][] {
  const m = r.epochs.at(-1);
  if (m?.trainElbo === undefined || m.trainIwae === undefined) {
    return [
      [
        `train objective (${r.config.objective === 'iwae' ? trainLkLabel(r.config) : TRAIN_ELBO_LABEL}), last epoch`,
        r.trainBound.toFixed(3),
      ],
    ];
  }
  return [
    [`${TRAIN_ELBO_LABEL}, last epoch`, m.trainElbo.toFixed(3)],
    [`${trainLkLabel(r.config)}, last epoch`, m.trainIwae.toFixed(3)],
    ...(m.validationBound === undefined
      ? []
      : [[`${validationLabel(r.config.validationK)}, last epoch`, m.validationBound.toFixed(3)] as [string, string]]),
  ];
}

function snrText(s: { mean: number | null; median: number | null }): string {
  return `${s.mean?.toPrecision(3) ?? '–'}/${s.median?.toPrecision(3) ?? '–'}`;
}

function summary(r: TrialResult): string {
  const rows: [string, string][] = [
    [`test NLL (−L_${r.evalK})`, `${r.testNll.toFixed(3)} nats`],
    ...Object.entries(r.testBoundsByK).map(([k, v]): [string, string] => [`test L_${k}`, v.toFixed(3)]),
    ...estimateRows(r),
    ...lastEpochRows(r),
    [
      'active units',
      `${r.activeUnitsPerLayer.join('+')} of ${r.config.layers === 1 ? r.config.latent : `${r.config.latent1}+${r.config.latent}`}`,
    ],
    ['training', `${r.epochs.length} epochs, ${formatSeconds(r.trainSeconds)}, ${r.examplesPerSecond.toFixed(0)} ex/s`],
    ['evaluation', formatSeconds(r.evalSeconds)],
    ...(r.gradientSnr
      ? [
          [
            `gradient SNR (${r.gradientSnr.draws} draws)`,
            `encoder ${snrText(r.gradientSnr.encoder)}, decoder ${snrText(r.gradientSnr.decoder)} (mean/median)`,
          ] as [string, string],
        ]
      : []),
    ['backend', `${r.backend} (${r.gradient} gradients)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}
