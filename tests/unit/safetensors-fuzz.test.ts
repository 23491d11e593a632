// Fuzz test for parseSafetensors: a seeded PRNG mutates valid files (bit flips, byte overwrites, truncation,
// header-length changes, and edits to the JSON header text) and every result must either parse into a
// self-consistent set of tensors or throw SafetensorsError. Any other exception, or a hang, fails the test.
//
// Each case has its own seed, derived from FUZZ_SEED and the case index, so a failure prints the seed and the
// mutations that produced it; `runCase(seed)` replays it alone.

import { expect, test } from 'vitest';
import { parseSafetensors, SafetensorsError, serializeSafetensors, type HostTensor } from '../../src/nn/safetensors.ts';

const FUZZ_SEED = 0x5afe7e45;
const CASES = 50_000;

// ---------------------------------------------------------------------------------------------------------------
// A small deterministic PRNG (xorshift32 on a scrambled seed) and helpers.

class Rng {
  private s: number;
  constructor(seed: number) {
    let s = (seed ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.s = (s ^ (s >>> 16)) >>> 0 || 1;
  }
  u32(): number {
    let s = this.s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
}

function caseSeed(i: number): number {
  return (Math.imul(i + 1, 0x27d4eb2d) ^ FUZZ_SEED) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Valid base files

function rawFile(headerText: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** One file holding every readable dtype, built by hand (values chosen to stay valid: small I64, 0/1 BOOL). */
function allDtypesFile(): Uint8Array {
  const specs: [string, number[], number][] = [
    ['F16', [2, 3], 2],
    ['BF16', [4], 2],
    ['F64', [3], 8],
    ['I64', [2, 2], 8],
    ['I16', [3], 2],
    ['I8', [5], 1],
    ['U8', [1, 3], 1],
    ['BOOL', [4], 1],
    ['F32', [], 4],
    ['I32', [0, 2], 4],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', source: 'fuzz' } };
  let off = 0;
  const regions: [string, number, number][] = [];
  for (const [dtype, shape, size] of specs) {
    const bytes = shape.reduce((a, b) => a * b, 1) * size;
    header[`layer.${dtype.toLowerCase()}`] = { dtype, shape, data_offsets: [off, off + bytes] };
    regions.push([dtype, off, bytes]);
    off += bytes;
  }
  const data = new Uint8Array(off);
  const view = new DataView(data.buffer);
  for (const [dtype, start, bytes] of regions) {
    for (let b = 0; b < bytes; b++) data[start + b] = (b * 37 + 11) & 0xff;
    if (dtype === 'I64') for (let o = start; o < start + bytes; o += 8) view.setBigInt64(o, BigInt(o) - 20n, true);
    if (dtype === 'BOOL') for (let o = start; o < start + bytes; o++) data[o] = o & 1;
  }
  return rawFile(JSON.stringify(header) + '   ', data);
}

function baseFiles(): Uint8Array[] {
  const t = (dtype: 'float32' | 'int32', shape: number[]): HostTensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = dtype === 'float32' ? Math.sin(i) * 10 : i * 3 - 7;
    return { dtype, shape, data };
  };
  return [
    serializeSafetensors(
      new Map([
        ['trunk.0.weight', t('float32', [3, 4])],
        ['trunk.0.bias', t('float32', [4])],
        ['head.labels', t('int32', [2, 3])],
        ['step', t('int32', [])],
        ['empty', t('float32', [0, 3])],
      ]),
      { epoch: '3', note: 'ünïcödé' },
    ),
    allDtypesFile(),
    serializeSafetensors({ a: t('float32', [1]), b: t('int32', [2]) }),
    serializeSafetensors({}),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations. Each returns new bytes; the name goes into the failure report.

const HUGE_NUMBERS = [
  '1e20', '9007199254740993', '9007199254740991', '4294967296', '2147483648', '-1', '-0', '2.5', '1e308', '1e999',
  '0', '123456789012345678901234567890', '0.0000001', '1E3', '-9007199254740992',
];
const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'U32', 'F8_E5M2', 'f32', '', 'F3'];
const TOKENS = [
  'null', '{}', '[]', ',', '"', ':', '{', '}', '[', ']', '\\', '1e999', '-0', 'true', ' ', '\n', '\t',
  '"__metadata__":{"a":1},', '"__metadata__":null,', '"x":{},', '"__proto__":{},', '"k":"v",', '\\u0000', '\\ud800',
];
const UNICODE = ['é', 'ü', '✓', '€', '😀', '\u200b', '\ufeff', '\u0000', '\u2028', '\ud800', '\udfff', '中文', '\u00a0'];

function headerBounds(bytes: Uint8Array): [number, number] | undefined {
  if (bytes.length < 8) return undefined;
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  if (bytes.length < 8 + n) return undefined;
  return [8, 8 + n];
}

/** Replaces the header text via `edit`, keeping the data region; the length field is fixed unless `keepLength`. */
function editHeader(bytes: Uint8Array, rng: Rng, edit: (text: string) => string): Uint8Array {
  const b = headerBounds(bytes);
  if (!b) return bytes;
  const text = new TextDecoder().decode(bytes.subarray(b[0], b[1]));
  const json = new TextEncoder().encode(edit(text));
  const data = bytes.subarray(b[1]);
  const out = new Uint8Array(8 + json.length + data.length);
  const keepLength = rng.chance(0.1);
  new DataView(out.buffer).setUint32(0, keepLength ? b[1] - 8 : json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Replaces one random regex match in `text` (or returns it unchanged when there is none). */
function replaceOne(text: string, re: RegExp, rng: Rng, f: (m: RegExpExecArray) => string): string {
  const matches = [...text.matchAll(new RegExp(re.source, 'g'))];
  if (matches.length === 0) return text;
  const m = rng.pick(matches);
  return text.slice(0, m.index) + f(m) + text.slice(m.index + m[0].length);
}

function spliceText(text: string, at: number, del: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at + del);
}

type Mutation = (bytes: Uint8Array, rng: Rng) => Uint8Array;

const MUTATIONS: Record<string, Mutation> = {
  bitFlip(bytes, rng) {
    const out = bytes.slice();
    const k = 1 + rng.int(8);
    for (let i = 0; i < k && out.length > 0; i++) {
      const at = rng.int(out.length);
      out[at] = (out[at] as number) ^ (1 << rng.int(8));
    }
    return out;
  },
  headerBitFlip(bytes, rng) {
    const b = headerBounds(bytes);
    if (!b || b[1] === b[0]) return bytes;
    const out = bytes.slice();
    const at = b[0] + rng.int(b[1] - b[0]);
    out[at] = (out[at] as number) ^ (1 << rng.int(8));
    return out;
  },
  byteOverwrite(bytes, rng) {
    const out = bytes.slice();
    const special = [0, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x2c, 0x3a, 0x5b, 0x5d, 0x30, 0x39, 0x2d, 0x20, 0xc0, 0xed];
    const k = 1 + rng.int(4);
    for (let i = 0; i < k && out.length > 0; i++) out[rng.int(out.length)] = rng.chance(0.5) ? rng.int(256) : rng.pick(special);
    return out;
  },
  truncate(bytes, rng) {
    return bytes.slice(0, rng.int(bytes.length));
  },
  extend(bytes, rng) {
    const extra = new Uint8Array(1 + rng.int(64));
    for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    return out;
  },
  headerLength(bytes, rng) {
    if (bytes.length < 8) return bytes;
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const n = view.getUint32(0, true);
    const choice = rng.int(8);
    let lo = n;
    let hi = 0;
    if (choice === 0) lo = rng.u32();
    else if (choice === 1) lo = Math.max(0, n + rng.int(33) - 16);
    else if (choice === 2) lo = 0;
    else if (choice === 3) hi = 1 + rng.int(0xffffffff);
    else if (choice === 4) [lo, hi] = [0xffffffff, 0xffffffff];
    else if (choice === 5) [lo, hi] = [0, 0x200000]; // 2^53
    else if (choice === 6) lo = 100_000_001;
    else lo = out.length - 8 + rng.int(3) - 1;
    view.setUint32(0, lo >>> 0, true);
    view.setUint32(4, hi >>> 0, true);
    return out;
  },
  digitChange(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /[0-9]+/, rng, (m) => {
        const c = rng.int(4);
        if (c === 0) return String(rng.int(10)) + m[0].slice(1);
        if (c === 1) return m[0] + String(rng.int(1000));
        if (c === 2) return rng.pick(HUGE_NUMBERS);
        return String(Math.max(0, Number(m[0]) + rng.int(9) - 4));
      }),
    );
  },
  deleteChars(bytes, rng) {
    return editHeader(bytes, rng, (text) => spliceText(text, rng.int(text.length), 1 + rng.int(rng.chance(0.8) ? 3 : 40), ''));
  },
  swapOffsets(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /"data_offsets":\[(\d+),(\d+)\]/, rng, (m) => `"data_offsets":[${m[2]},${m[1]}]`),
    );
  },
  shiftOffsets(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /"data_offsets":\[(\d+),(\d+)\]/, rng, (m) => {
        const d = rng.int(17) - 8;
        const both = rng.chance(0.5);
        const a = Number(m[1]) + (both ? d : 0);
        return `"data_offsets":[${a},${Number(m[2]) + d}]`;
      }),
    );
  },
  changeDtype(bytes, rng) {
    return editHeader(bytes, rng, (text) => replaceOne(text, /"dtype":"[^"]*"/, rng, () => `"dtype":"${rng.pick(DTYPES)}"`));
  },
  hugeShape(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /"shape":\[[^\]]*\]/, rng, () => {
        const dims = Array.from({ length: rng.int(5) }, () => (rng.chance(0.5) ? rng.pick(HUGE_NUMBERS) : String(rng.int(5))));
        return `"shape":[${dims.join(',')}]`;
      }),
    );
  },
  insertUnicode(bytes, rng) {
    return editHeader(bytes, rng, (text) => spliceText(text, rng.int(text.length + 1), 0, rng.pick(UNICODE)));
  },
  insertToken(bytes, rng) {
    return editHeader(bytes, rng, (text) => spliceText(text, rng.int(text.length + 1), 0, rng.pick(TOKENS)));
  },
  duplicateEntry(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /"[^"]+":\{[^{}]*\}/, rng, (m) => `${m[0]},${m[0]}`),
    );
  },
  metadataValue(bytes, rng) {
    return editHeader(bytes, rng, (text) =>
      replaceOne(text, /"__metadata__":\{[^{}]*\}/, rng, (m) =>
        rng.chance(0.3)
          ? `"__metadata__":${rng.pick(['null', '[]', '1', '"s"', '{"a":{}}'])}`
          : m[0].replace(/:"[^"]*"/, `:${rng.pick(['1', 'null', 'true', '[]', '{}', '"ok"', '"\\u00e9"'])}`),
      ),
    );
  },
  invalidUtf8(bytes, rng) {
    const b = headerBounds(bytes);
    if (!b) return bytes;
    const at = b[0] + rng.int(b[1] - b[0] + 1);
    const bad = rng.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]);
    const out = new Uint8Array(bytes.length + bad.length);
    out.set(bytes.subarray(0, at));
    out.set(bad, at);
    out.set(bytes.subarray(at), at + bad.length);
    new DataView(out.buffer).setUint32(0, b[1] - 8 + bad.length, true);
    return out;
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

// ---------------------------------------------------------------------------------------------------------------
// Checking one case

const BASES = baseFiles();

type Outcome = { ok: true } | { ok: false; code: string } | { ok: 'bug'; detail: string };

function checkParsed(result: ReturnType<typeof parseSafetensors>): string | undefined {
  for (const [name, t] of result.tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `tensor ${name}: bad shape ${JSON.stringify(t.shape)}`;
    if (t.data.length !== numel) return `tensor ${name}: data length ${t.data.length} != product(shape) ${numel}`;
    const want = t.dtype === 'float32' ? Float32Array : Int32Array;
    if (!(t.data instanceof want)) return `tensor ${name}: dtype ${t.dtype} with ${t.data.constructor.name}`;
  }
  for (const v of Object.values(result.metadata)) if (typeof v !== 'string') return 'non-string metadata';
  // Whatever parsed must survive a write and a second read unchanged.
  const again = parseSafetensors(serializeSafetensors(result.tensors, result.metadata));
  if (JSON.stringify([...again.tensors.keys()]) !== JSON.stringify([...result.tensors.keys()])) return 'names changed on round trip';
  for (const [name, t] of result.tensors) {
    const u = again.tensors.get(name)!;
    if (u.data.length !== t.data.length || u.data.some((x, i) => !Object.is(x, t.data[i]))) return `tensor ${name}: data changed on round trip`;
  }
  return undefined;
}

function runCase(seed: number): { outcome: Outcome; mutations: string[] } {
  const rng = new Rng(seed);
  let bytes = rng.pick(BASES);
  const mutations: string[] = [];
  const k = 1 + rng.int(rng.chance(0.7) ? 1 : 3);
  for (let i = 0; i < k; i++) {
    const name = rng.pick(MUTATION_NAMES);
    mutations.push(name);
    bytes = MUTATIONS[name]!(bytes, rng);
  }
  const opts = rng.chance(0.05) ? { maxHeaderBytes: rng.int(400) } : undefined;
  try {
    const result = parseSafetensors(bytes, opts);
    const bad = checkParsed(result);
    return { outcome: bad ? { ok: 'bug', detail: bad } : { ok: true }, mutations };
  } catch (err) {
    if (err instanceof SafetensorsError) return { outcome: { ok: false, code: err.code }, mutations };
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { outcome: { ok: 'bug', detail }, mutations };
  }
}

test(`fuzz: ${CASES} mutated files parse consistently or throw SafetensorsError`, { timeout: 60_000 }, () => {
  const start = performance.now();
  const counts = new Map<string, number>();
  const bugs: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const seed = caseSeed(i);
    const { outcome, mutations } = runCase(seed);
    const key = outcome.ok === true ? 'parsed' : outcome.ok === false ? outcome.code : 'BUG';
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (outcome.ok === 'bug' && bugs.length < 10) bugs.push(`case ${i} seed 0x${seed.toString(16)} [${mutations.join(', ')}]: ${outcome.detail}`);
  }
  const ms = performance.now() - start;
  const table = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ');
  console.log(`safetensors fuzz: ${CASES} cases in ${ms.toFixed(0)} ms: ${table}`);

  expect(bugs).toEqual([]);
  // The mutations must exercise both sides: some files still parse, and many distinct rejection codes appear.
  expect(counts.get('parsed') ?? 0).toBeGreaterThan(CASES / 50);
  expect(counts.size).toBeGreaterThanOrEqual(10);
});

test('fuzz cases are deterministic', () => {
  for (let i = 0; i < 50; i++) expect(runCase(caseSeed(i))).toEqual(runCase(caseSeed(i)));
});
