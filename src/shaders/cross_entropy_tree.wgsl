// cross_entropy_tree.wgsl: the workgroup reduction of cross-entropy's v2 and v3 kernels (nn_cross_entropy_rows,
// nn_cross_entropy_split, nn_cross_entropy_backward_split), prepended by the engine. 64 threads; red_a holds a
// max (NaN winning, float_bits.wgsl's max_nan_) or a sum, red_b a sum. Barriers before, between and after: the
// caller's writes are complete before the tree reads them, and every thread has read the result before anyone
// writes red_a / red_b again (llvmpipe through GLES showed what a missing trailing barrier does).

const WG: u32 = 64u;
var<workgroup> red_a: array<f32, 64>;
var<workgroup> red_b: array<f32, 64>;

// Tree over red_a (max with NaN winning when use_max, else sum) and red_b (sum); every thread gets the results.
fn tree(lid: u32, use_max: bool) -> vec2<f32> {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red_a[lid] = select(red_a[lid] + red_a[lid + s], max_nan_(red_a[lid], red_a[lid + s]), use_max);
      red_b[lid] = red_b[lid] + red_b[lid + s];
    }
    workgroupBarrier();
  }
  let r = vec2<f32>(red_a[0], red_b[0]);
  workgroupBarrier();
  return r;
}
