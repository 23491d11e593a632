// matmul_naive.wgsl (v1): C[b] = op(A[b]) · op(B[b]), one thread per output element, no tiling.
// Layouts (row-major f32): A is [batch?, M, K], or [batch?, K, M] when TRANS_A; B is [batch?, K, N], or
//   [batch?, N, K] when TRANS_B; C is [batch, M, N]. Batch strides of 0 broadcast one matrix over the batch.
// The correctness reference for the tiled kernels: every size works, nothing is assumed about tiles.
// Workgroup 16×16 over (n, m); z is the batch.

override TRANS_A: bool = false;
override TRANS_B: bool = false;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let m = gid.y;
  let b = gid.z;
  if (m >= params.M || n >= params.N || b >= params.batch) { return; }
  let a0 = b * params.a_batch_stride;
  let b0 = b * params.b_batch_stride;
  var acc = 0.0;
  for (var k = 0u; k < params.K; k++) {
    var a: f32;
    var w: f32;
    if (TRANS_A) { a = A[a0 + k * params.M + m]; } else { a = A[a0 + m * params.K + k]; }
    if (TRANS_B) { w = B[b0 + n * params.K + k]; } else { w = B[b0 + k * params.N + n]; }
    acc += a * w;
  }
  C[(b * params.M + m) * params.N + n] = acc;
}
