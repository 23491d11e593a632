// `multitask.weighting`: the weighting methods (see weighting.ts for the first six, weightings/<id>.ts for
// the others: formula, paper, which gradients each needs, where its solver runs and its per-step cost).
export {
  fixed, equal, uncertainty, dwa, gradNorm, mgdaUb, pcGrad, minNormElement,
  Weighting, FixedWeighting, UncertaintyWeighting, DwaWeighting, GradNormWeighting, MgdaUbWeighting, PcGradWeighting,
  type TaskMap,
} from './weighting.ts';
export { caGrad, cagradCoefficients, CaGradWeighting } from './weightings/cagrad.ts';
export { imtlG, imtlL, imtl, imtlGWeights, ImtlGWeighting, ImtlLWeighting, ImtlWeighting } from './weightings/imtl.ts';
export { nashMtl, nashMtlWeights, NashMtlWeighting } from './weightings/nash-mtl.ts';
export { alignedMtl, alignedMtlCoefficients, AlignedMtlWeighting } from './weightings/aligned-mtl.ts';
export { famo, famoWeights, famoUpdate, FamoWeighting, type FamoState } from './weightings/famo.ts';
export { upGrad, upgradCoefficients, UpGradWeighting } from './weightings/upgrad.ts';
export { rlw, rlwWeights, RlwWeighting } from './weightings/rlw.ts';
export { gradVac, gradVacCoefficients, GradVacWeighting } from './weightings/gradvac.ts';
export { gradDrop, gradDropCombine, gradDropSeeds, GradDropWeighting } from './weightings/graddrop.ts';
export { GramWeighting } from './weightings/gram.ts';
export { SeededRandom } from './weightings/random.ts';
export { projectSimplex, boxQp, symmetricEigen, solveLinear, minimizeOnSimplex } from './weightings/solvers.ts';
