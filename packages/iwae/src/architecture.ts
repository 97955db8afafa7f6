import type { TrialConfig } from '@iwae-sweep/core';

/**
 * Shapes of an IWAE as in Burda et al.: each stochastic layer is a Gaussian whose mean and
 * log σ come from a 2-hidden-layer tanh MLP; the data are Bernoulli with logits from another.
 *  1 layer:  q(z|x) x-H-H-z,  p(x|z) z-H-H-x
 *  2 layers: q(z1|x) x-H-H-z1, q(z2|z1) z1-H2-H2-z2, p(z1|z2) z2-H2-H2-z1, p(x|z1) z1-H-H-x
 */
export interface Architecture {
  dataDim: number;
  /** Latent sizes from the data upwards: [z1] or [z1, z2]. */
  latent: number[];
  /** Hidden width of each block pair from the data upwards: [H] or [H, H2]. */
  hidden: number[];
}

export function architectureOf(config: TrialConfig, dataDim = 784): Architecture {
  return config.layers === 1
    ? { dataDim, latent: [config.latent], hidden: [config.hidden] }
    : { dataDim, latent: [config.latent1, config.latent], hidden: [config.hidden, config.hidden2] };
}

export type ParamInit = 'glorot' | 'zeros' | 'data-logit';

export interface ParamSpec {
  name: string;
  shape: [number] | [number, number];
  init: ParamInit;
}

/** Names of the blocks: encoders `enc{l}` (q(z_l|below)), decoders `dec{l}` (p(below|z_l)). */
function mlpParams(block: string, inDim: number, width: number): ParamSpec[] {
  return [
    { name: `${block}.h0.W`, shape: [inDim, width], init: 'glorot' },
    { name: `${block}.h0.b`, shape: [width], init: 'zeros' },
    { name: `${block}.h1.W`, shape: [width, width], init: 'glorot' },
    { name: `${block}.h1.b`, shape: [width], init: 'zeros' },
  ];
}

function gaussianHead(block: string, width: number, outDim: number): ParamSpec[] {
  return [
    { name: `${block}.mu.W`, shape: [width, outDim], init: 'glorot' },
    { name: `${block}.mu.b`, shape: [outDim], init: 'zeros' },
    { name: `${block}.logsigma.W`, shape: [width, outDim], init: 'glorot' },
    { name: `${block}.logsigma.b`, shape: [outDim], init: 'zeros' },
  ];
}

/** Every parameter in a fixed order (the order of initialisation and of checkpoints). */
export function parameterSpecs(arch: Architecture): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const below = [arch.dataDim, ...arch.latent];
  arch.latent.forEach((d, l) => {
    const inDim = below[l] as number;
    const width = arch.hidden[l] as number;
    specs.push(...mlpParams(`enc${l + 1}`, inDim, width), ...gaussianHead(`enc${l + 1}`, width, d));
  });
  arch.latent.forEach((d, l) => {
    const outDim = below[l] as number;
    const width = arch.hidden[l] as number;
    specs.push(...mlpParams(`dec${l + 1}`, d, width));
    if (l === 0) {
      specs.push(
        { name: 'dec1.logits.W', shape: [width, outDim], init: 'glorot' },
        { name: 'dec1.logits.b', shape: [outDim], init: 'data-logit' },
      );
    } else {
      specs.push(...gaussianHead(`dec${l + 1}`, width, outDim));
    }
  });
  return specs;
}

export function parameterCount(arch: Architecture): number {
  return parameterSpecs(arch).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
