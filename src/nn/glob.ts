// Path globs for selecting parameters and modules by their dotted path (`trunk.0.weight`).
//
// The rule, matched segment by segment (a segment is the text between dots):
//   - `*` inside a pattern segment matches any run of characters within ONE path segment
//     (`trunk.*` → `trunk.0`, `layer*.weight` → `layer1.weight`); it never crosses a dot.
//   - a pattern segment that is exactly `**` matches any number of whole segments, including none
//     (`**.bias` → every bias at any depth; `trunk.**` → everything below trunk).
//   - anything else must equal the path segment exactly: `head` matches `head` but not `header`.
//   - a pattern that matches the leading segments of a path selects the whole subtree under them: the
//     pattern names a module, and a module stands for everything it contains. So `trunk`, `trunk.*` and
//     `trunk.**` all select `trunk.0.weight`, while `head` does not select `header.weight`.
//   - the empty pattern and `**` select everything.
// Matching is case-sensitive. Several patterns (an array) select the union.

export type PathGlob = string | readonly string[];

function segmentMatches(pattern: string, segment: string): boolean {
  if (!pattern.includes('*')) return pattern === segment;
  // Wildcards within one segment: split on '*' and find the pieces in order.
  const pieces = pattern.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (!segment.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const found = segment.indexOf(pieces[i]!, at);
    if (found < 0) return false;
    at = found + pieces[i]!.length;
  }
  return segment.length - at >= last.length && segment.endsWith(last);
}

/**
 * Whether `pattern` matches the first `k` segments of `path` for some k ≥ 1 (or all of it): true when the
 * pattern names the path itself or one of the modules that contain it.
 */
function matchesPrefix(pat: readonly string[], path: readonly string[]): boolean {
  // Iterative over (pattern index, path index) states, so patterns with several `**` stay cheap.
  let states = new Set<number>([0]); // path index reached after consuming pat[0..p)
  for (let p = 0; p < pat.length; p++) {
    const next = new Set<number>();
    const seg = pat[p]!;
    for (const i of states) {
      if (seg === '**') {
        for (let j = i; j <= path.length; j++) next.add(j);
      } else if (i < path.length && segmentMatches(seg, path[i]!)) {
        next.add(i + 1);
      }
    }
    if (next.size === 0) return false;
    states = next;
  }
  // The whole pattern is consumed; it matched path[0..i) for each i in states. A match of zero segments
  // (only `**`s) selects everything too.
  return states.size > 0;
}

function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** Whether `glob` selects `path` (see the rule at the top of this file). */
export function globMatches(glob: PathGlob, path: string): boolean {
  const patterns = typeof glob === 'string' ? [glob] : glob;
  const segs = splitPath(path);
  for (const g of patterns) {
    if (typeof g !== 'string') throw new TypeError(`path glob: expected a string, got ${typeof g}`);
    const pat = splitPath(g.trim());
    if (pat.length === 0) return true;
    if (matchesPrefix(pat, segs)) return true;
  }
  return false;
}

/** A readable form of a glob for error messages. */
export function showGlob(glob: PathGlob): string {
  return typeof glob === 'string' ? `"${glob}"` : `[${glob.map((g) => `"${g}"`).join(', ')}]`;
}
