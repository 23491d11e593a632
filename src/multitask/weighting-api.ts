// `multitask.weighting`: the weighting methods (see weighting.ts for formulas, papers and per-step costs).
export {
  fixed, equal, uncertainty, dwa, gradNorm, mgdaUb, pcGrad, minNormElement,
  Weighting, FixedWeighting, UncertaintyWeighting, DwaWeighting, GradNormWeighting, MgdaUbWeighting, PcGradWeighting,
  type TaskMap,
} from './weighting.ts';
