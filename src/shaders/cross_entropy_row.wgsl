// cross_entropy_row.wgsl: one row of softmax cross-entropy, shared by nn_cross_entropy.wgsl and
// nn_cross_entropy_backward.wgsl (the engine prepends it, after float_bits.wgsl and index_check.wgsl). The
// kernel declares `logits` ([rows, classes] row-major), `targets` and `params` (classes, on, off, has_ignore,
// ignore_index). The arithmetic is that of the composed path it replaces (softmax.wgsl's log-softmax, one
// one-hot row, mulOrZero), so NaN and ±inf come out the same: a NaN or +inf logit makes its row NaN, a -inf
// logit of another class adds 0 (0 · -inf = 0), a row whose target is ignore_index adds nothing.

struct RowStats { m: f32, log_s: f32 }

/** Max and log Σ exp(x − max) of the row starting at `base`. */
fn row_stats(base: u32) -> RowStats {
  var m = neg_inf_();
  for (var c = 0u; c < params.classes; c++) { m = max_nan_(m, logits[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < params.classes; c++) { s += exp_nan_(logits[base + c] - m); }
  return RowStats(m, select(log(s), s, is_nan_(s))); // log(NaN) is NaN whatever the builtin does
}

