// index_check.wgsl: the device side of the index checks (src/engine/index-checks.ts) that one_hot.wgsl,
// gather.wgsl and index_select.wgsl share. WGSL has no include: the engine prepends this file to those kernels'
// code, like float_bits.wgsl (also nn_cross_entropy.wgsl). A kernel using it declares `err: array<atomic<u32>, 4>` (a read_write storage
// binding: the engine's error words) and a `check_id: u32` field in its `struct Params`.

// Reports `t` unless an earlier bad index was reported: [check_id, t] go to err[0], err[1], and the next
// readback throws an IndexError naming the op (a weak exchange may fail spuriously: retry then).
fn report_bad_index(t: i32) {
  loop {
    let r = atomicCompareExchangeWeak(&err[0], 0u, params.check_id);
    if (r.exchanged) { atomicStore(&err[1], bitcast<u32>(t)); return; }
    if (r.old_value != 0u) { return; }
  }
}
