// cross_entropy_target.wgsl: the target side of a cross-entropy row, shared by every cross-entropy kernel
// (v1's pair through cross_entropy_row.wgsl, v2's rows and v3's split kernels). WGSL has no include: the engine
// prepends this file. The kernel declares `params` with on, off, has_ignore and ignore_index.

/** Whether target `t` is ignore_index (its row has no loss and no gradient). */
fn is_ignored(t: i32) -> bool { return params.has_ignore == 1u && t == params.ignore_index; }

/** The target distribution q_c of a row with target t: `on` at t, `off` elsewhere, 0 for an ignored row. */
fn target_weight(t: i32, c: u32, ignored: bool) -> f32 {
  return select(select(params.off, params.on, t == i32(c)), 0.0, ignored);
}
