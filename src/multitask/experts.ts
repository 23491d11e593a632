// Pieces the expert architectures share (CGC and PLE in ple.ts): a named container for registered modules,
// running a list of experts into [N, E, D], and a softmax gate's mix of experts, one batched matmul
// [N, 1, E] @ [N, E, D] (as MMoE's, mmoe.ts, for the same reason: reducing the middle dim is slow on SwiftShader).

import { EngineError, ShapeError, fmtShape, concat, matmul, reshape, softmax, stack, tidy, unsqueeze, type Tensor } from '../engine/internal.ts';
import { Module } from '../nn/index.ts';

/** A container: holds registered modules under paths, never runs itself. */
export class Container extends Module {
  constructor(private readonly kind: string) {
    super();
  }
  override get typeName(): string { return this.kind; }
  forward(): never {
    throw new EngineError(`${this.kind}: a container; its architecture runs its members`);
  }
}

/** Registers `modules` under `parent` as children 0, 1, …, checking they are modules. */
export function registerList(parent: Module, name: string, modules: unknown, op: string): Module {
  if (!Array.isArray(modules) || modules.length === 0) throw new EngineError(`${op}: ${name} must be a non-empty array of modules`);
  const c = parent.registerModule(name, new Container(name));
  modules.forEach((m, i) => {
    if (!(m instanceof Module)) throw new TypeError(`${op}: ${name}[${i}] is not an nn.Module`);
    c.registerModule(String(i), m);
  });
  return c;
}

/** Every expert's output on x, stacked to [N, E, D]; each must give [N, D] with the same D. */
export function runExperts(experts: readonly Module[], x: Tensor, op: string): Tensor {
  return tidy(() => {
    const outs = experts.map((e, i) => {
      const o = e.forward(x) as Tensor;
      if (o.rank !== 2) throw new ShapeError(`${op}: expert ${i} must output [N, D], got ${fmtShape(o.shape)}`);
      return o;
    });
    const d = outs[0]!.shape[1];
    outs.forEach((o, i) => {
      if (o.shape[1] !== d) throw new ShapeError(`${op}: expert ${i} outputs ${fmtShape(o.shape)}, expert 0 [N, ${d}]`);
    });
    return stack(outs, 1);
  });
}

/** Concatenates expert stacks [N, E_i, D] along the expert dim. */
export function joinExperts(parts: readonly Tensor[]): Tensor {
  return parts.length === 1 ? parts[0]!.mul(1) : concat([...parts], 1);
}

/** Σ_e softmax(logits)_e · z[:, e, :] → [N, D]; logits [N, E] from the gate, z [N, E, D]. */
export function gatedMix(gate: Module, input: Tensor, z: Tensor, op: string): Tensor {
  return tidy(() => {
    const logits = gate.forward(input) as Tensor;
    const E = z.shape[1]!;
    if (logits.rank !== 2 || logits.shape[1] !== E) throw new ShapeError(`${op}: the gate must output [N, ${E}] logits, got ${fmtShape(logits.shape)}`);
    return reshape(matmul(unsqueeze(softmax(logits, -1), 1), z), [z.shape[0]!, z.shape[2]!]);
  });
}
