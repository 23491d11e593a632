// WGSL as the npm package ships it (scripts/build-lib.mjs): without comments, line breaks, indentation, or
// spaces that separate nothing. WGSL has no string literals, so removing `//` and `/* */` comments
// textually is exact, and once they are gone a line break is blankspace like any other.
// tests/gpu/stripped-wgsl.test.ts compiles every shader both ways.

/** Characters next to which a space never separates two tokens. */
const PUNCTUATION = new Set('(){}[],;:'.split(''));
const WORD = /[A-Za-z0-9_.]/;

/**
 * WGSL without comments, line breaks, indentation, or spaces that separate nothing: the lines are joined
 * with spaces, and a space goes when a neighbour is punctuation, or when it sits between an operator and a
 * word (never between two operator characters, which could fuse into another token, as `- -x` into `--`,
 * nor between two words).
 */
export function stripWgsl(code) {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' ')
    .replace(/([^\s]) +(?=([^\s]))/g, (m, a, b) => {
      const keep = !PUNCTUATION.has(a) && !PUNCTUATION.has(b) && WORD.test(a) === WORD.test(b);
      return keep ? `${a} ` : a;
    });
}
