// unary_vec4.wgsl (v2): unary.wgsl (v1) with a vec4 per thread, for n a multiple of 4: x and y bound as
// array<vec4<f32>>, so that each thread makes one 16-byte load and one store where v1 makes four of each. The CPU
// rules' pick (SwiftShader gathers v1's four scalar loads lane by lane). The ops are unary_ops.wgsl's (prepended
// by the engine, with float_bits.wgsl, pow.wgsl and erf.wgsl), applied to each component as v1 applies them.
// 256 threads per workgroup, workgroups spread over x and y as v1's.
// Probe (bench/probe/unary-probe.ts, relu of 1M elements timed with sync(), headless Chromium on SwiftShader,
// load 10): v1 19.8, v2 8.5 (milliseconds).
//
// | version | idea                                                       | figure                          | device      | shape     |
// | ------- | ---------------------------------------------------------- | ------------------------------- | ----------- | --------- |
// | v1      | PER_THREAD consecutive elements per thread (unary)         | see unary.wgsl                  | SwiftShader | [1048576] |
// | v2      | a vec4 per thread: one 16-byte load and store (this file)  | probe only (above)              | SwiftShader | [1048576] |

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

// v1's rule as a select, not a branch: the op's NaN input is returned as is.
fn one(v: f32) -> f32 {
  return select(apply(v, params.alpha), v, keeps_nan() && is_nan_(v));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n / 4u) { return; }
  let v = x[i];
  y[i] = vec4<f32>(one(v.x), one(v.y), one(v.z), one(v.w));
}
