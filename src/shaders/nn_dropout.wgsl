// nn_dropout.wgsl: the scaled keep-mask of Dropout. mask[i] = 1/(1−p) with probability 1−p, else 0; the
// layer then computes y = x ⊙ mask (and autograd gives dx = g ⊙ mask).
// Randomness: a counter-based hash (PCG output permutation) of (seed, i), so a mask needs no random state
// on the GPU and no upload: each call passes a new seed. u = top 24 bits / 2^24 is uniform on [0, 1);
// an element is kept when u ≥ p, as in PyTorch's bernoulli(1 − p). One thread per element.
// Layout: mask is a flat f32 array of n elements.
//
// | version | idea                               | figure          | device                | shape |
// | ------- | ---------------------------------- | --------------- | --------------------- | ----- |
// | v1      | one thread per element, PCG hash   | (not timed)     | SwiftShader (2 cores) | -     |

struct Params { n: u32, seed: u32, p: f32, scale: f32 }

@group(0) @binding(0) var<storage, read_write> mask: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let u = f32(pcg(pcg(params.seed) + i) >> 8u) / 16777216.0;
  mask[i] = select(0.0, params.scale, u >= params.p);
}
