// reduce_rows.wgsl (v2): sum / max / min over the middle axis of [outer, R, inner] with no workgroup memory and
// no barrier, for CPU adapters.
//   y[o, c, i] = ⊕_{c·chunk ≤ r < min(R, (c+1)·chunk)} x[o, r, i]      for c < S = ⌈R / chunk⌉
// One thread per (o, c, i), 64 per workgroup: the thread walks its chunk alone, four accumulators along a
// contiguous row (inner = 1), one walking down a column otherwise (neighbouring threads read neighbouring i).
// INTERLEAVE (inner = 1 only, params.chunk = S): range c is the row's elements r ≡ c (mod S) instead, so that
// the 4 lanes SwiftShader runs together read 4 neighbouring elements (one vector load, not a gather).
// SwiftShader runs a workgroup that holds a barrier as one coroutine per 4-lane group and spills at every
// barrier; v1's tree of 7 barriers per output cost more than the adds. Few outputs over long rows are split
// into chunks (S > 1) by the engine and the [outer, S, inner] partials reduced by a second launch of this
// kernel (reduce-kernels.ts: reduceRowsPlan). NaN propagates through max / min as in v1 (float_bits.wgsl).
// Bench: `npm run bench -- --quick --no-tfjs --filter "sum rows,sum all" --versions`.
//
// | version | idea                                                              | figure           |
// | ------- | ----------------------------------------------------------------- | ---------------- |
// | v1      | a 64-thread workgroup per output, strided + tree (reduce.wgsl)    | see reduce.wgsl  |
// | v2      | a thread per output or chunk, no barrier, 4 accumulators (here)   | not benchmarked  |

override OP: u32 = 0u; // 0 sum, 1 max, 2 min
override INTERLEAVE: bool = false;

struct Params { outputs: u32, reduce: u32, inner: u32, chunk: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn identity() -> f32 {
  switch OP {
    case 1u: { return neg_inf_(); }
    case 2u: { return pos_inf_(); }
    default: { return 0.0; }
  }
}

fn combine(a: f32, b: f32) -> f32 {
  if (OP == 0u) { return a + b; }
  return select(max_nan_(a, b), min_nan_(a, b), OP == 2u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * 64u;
  if (k >= params.outputs) { return; }
  if (INTERLEAVE) {
    let S = params.chunk;
    let c = k % S;
    let base = (k / S) * params.reduce;
    let stop = base + params.reduce;
    let S4 = 4u * S;
    var b0 = identity();
    var b1 = b0;
    var b2 = b0;
    var b3 = b0;
    var j = base + c;
    for (; j + 3u * S < stop; j += S4) {
      b0 = combine(b0, x[j]);
      b1 = combine(b1, x[j + S]);
      b2 = combine(b2, x[j + 2u * S]);
      b3 = combine(b3, x[j + 3u * S]);
    }
    for (; j < stop; j += S) { b0 = combine(b0, x[j]); }
    y[k] = combine(combine(b0, b1), combine(b2, b3));
    return;
  }
  let inner = params.inner;
  let chunks = max(1u, (params.reduce + params.chunk - 1u) / params.chunk);
  let i = k % inner;
  let c = (k / inner) % chunks;
  let o = k / (inner * chunks);
  let base = o * params.reduce * inner + i;
  let start = c * params.chunk;
  let end = min(params.reduce, start + params.chunk);
  var a0 = identity();
  var a1 = a0;
  var a2 = a0;
  var a3 = a0;
  if (inner == 1u) {
    var j = base + start;
    let stop = base + end;
    for (; j + 4u <= stop; j += 4u) {
      a0 = combine(a0, x[j]);
      a1 = combine(a1, x[j + 1u]);
      a2 = combine(a2, x[j + 2u]);
      a3 = combine(a3, x[j + 3u]);
    }
    for (; j < stop; j++) { a0 = combine(a0, x[j]); }
  } else {
    for (var r = start; r < end; r++) { a0 = combine(a0, x[base + r * inner]); }
  }
  y[k] = combine(combine(a0, a1), combine(a2, a3));
}
