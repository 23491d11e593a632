// conv2d_dgrad_naive.wgsl (v1): conv2d input gradient, one thread per input element, gather form.
//   dx[n, c, h, w] = Σ_{o in group g, kh, kw : oh·sH = h + pH − kh·dH, ow·sW = w + pW − kw·dW}
//                      gy[n, o, oh, ow] · w[o, c − g·Cg, kh, kw]          (g = c / Cg)
// Each input pixel sums over the filter taps that reach it; a tap counts when the output position it implies
// is on the stride grid and inside [0, OH) × [0, OW). No atomics, no scatter.
// Layouts (row-major f32): gy [N, O, OH, OW], w [O, Cg, kH, kW], dx [N, C, H, W].
// Dispatch: 64 threads per workgroup over the N·C·H·W inputs, spread over x/y by grid().
// Bench: npm run bench -- --filter conv2d --versions   (bench/cases/conv.ts; force v1 with kernelVersions.force('conv2d.dgrad', 'v1'))
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The backward row times dgrad and wgrad together, both forced to the version. SwiftShader on 2 cores
// shared at load average ~20: absolute times are inflated several-fold; TF.js took 4590 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per input pixel, gather over taps | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM per stride phase, 64×64 tile | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | not benchmarked (no ms) | none yet | -

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * p.H * p.W) { return; }
  let iw = index % p.W;
  let ih = (index / p.W) % p.H;
  let c = (index / (p.W * p.H)) % p.C;
  let n = index / (p.W * p.H * p.C);
  let Cg = p.C / p.groups;
  let Og = p.O / p.groups;
  let g = c / Cg;
  let cl = c % Cg;
  var acc = 0.0;
  for (var kh = 0u; kh < p.kH; kh++) {
    let th = i32(ih + p.pH) - i32(kh * p.dH); // oh·sH
    if (th < 0 || th % i32(p.sH) != 0) { continue; }
    let oh = u32(th) / p.sH;
    if (oh >= p.OH) { continue; }
    for (var kw = 0u; kw < p.kW; kw++) {
      let tw = i32(iw + p.pW) - i32(kw * p.dW);
      if (tw < 0 || tw % i32(p.sW) != 0) { continue; }
      let ow = u32(tw) / p.sW;
      if (ow >= p.OW) { continue; }
      for (var ol = 0u; ol < Og; ol++) {
        let o = g * Og + ol;
        acc += gy[((n * p.O + o) * p.OH + oh) * p.OW + ow] * w[((o * Cg + cl) * p.kH + kh) * p.kW + kw];
      }
    }
  }
  dx[index] = acc;
}
