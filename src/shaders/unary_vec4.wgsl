// unary_vec4.wgsl (v2): y = f(x, alpha) as unary.wgsl (v1), one vec4 word per thread, for CPU adapters (f: apply(),
// unary_ops.wgsl, prepended by the engine with float_bits.wgsl, pow.wgsl and erf.wgsl; the same values bit for
// bit, NaN included).
// Layout: x, y bound as vec4<f32> words; the engine runs it only when n is a multiple of 4 (params.n counts
//   words). 256 threads per workgroup, workgroups spread over x and y.
// On SwiftShader a thread's 4 separate float loads are 4 gathers across the 4 lanes it runs together, a word a
// thread one wide load each: binary_vec4.wgsl's add of 1M elements took about half of v1's relu of 1M in the same
// run (bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json).
// Bench: `npm run bench -- --quick --no-tfjs --filter "maxPool,relu 1M" --versions --rounds 5` (bench/cases/elementwise.ts),
// result bench/results/2026-12-07-google-swiftshader-chrome-cpu-unary-pool.json (SwiftShader, 2 cores shared, load ~20):
// relu of 1M v1 42.3 ms, v2 7.05 ms (GPU timestamps, same run); with a read back per run ours 2.0× faster than jax-js.
//
// | version | idea                                          | figure                        |
// | ------- | --------------------------------------------- | ----------------------------- |
// | v1      | PER_THREAD floats per thread (unary)          | relu 1M 42.3 ms (SwiftShader) |
// | v2      | a vec4 word per thread (this file)            | relu 1M 7.05 ms (SwiftShader) |

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

fn one(v: f32, a: f32) -> f32 {
  if (keeps_nan() && is_nan_(v)) { return v; }
  return apply(v, a);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = gid.x + gid.y * nwg.x * 256u;
  if (w >= params.n) { return; }
  let v = x[w];
  let a = params.alpha;
  y[w] = vec4(one(v.x, a), one(v.y, a), one(v.z, a), one(v.w, a));
}
