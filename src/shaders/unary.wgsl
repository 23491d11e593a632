// unary.wgsl (v1): y[i] = f(x[i], alpha) for the elementwise unary ops and the tensor-with-scalar ops (f: apply(),
// unary_ops.wgsl, prepended by the engine with float_bits.wgsl, pow.wgsl and erf.wgsl).
// Layout: x, y contiguous f32 of params.n elements. One thread per PER_THREAD (1 or 4) elements, 256 threads
//   per workgroup, workgroups spread over x and y (first element (gid.x + gid.y · 256 · num_workgroups.x) · PER_THREAD).
// Memory-bound: one read and one write per element. Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/elementwise.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json (SwiftShader, 2 cores): relu of 1M
// elements 8.72 ms, TF.js 9.83 ms. No GPU figure yet.
// The registered pass 'unary' (src/engine/ops/elementwise-kernels.ts) keeps this kernel as v1, the GPU rules' pick;
// v2 (unary_vec4.wgsl) reads and writes vec4 words, the CPU rules' pick when n is a multiple of 4.
//
// | version | idea                                          | figure                                      |
// | ------- | --------------------------------------------- | ------------------------------------------- |
// | v1      | PER_THREAD floats per thread (this file)      | relu 1M 8.72 ms (above; load ~20: see v2's) |
// | v2      | a vec4 word per thread (unary_vec4)           | see unary_vec4.wgsl                         |

// Elements per thread: 4 when n is a multiple of 4 (the engine picks), so a CPU adapter's per-invocation cost
// is paid once per 4 elements.
override PER_THREAD: u32 = 1u;

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i0 = (gid.x + gid.y * nwg.x * 256u) * PER_THREAD;
  if (i0 >= params.n) { return; }
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = i0 + k;
    let v = x[i];
    if (keeps_nan() && is_nan_(v)) {
      y[i] = v;
    } else {
      y[i] = apply(v, params.alpha);
    }
  }
}
