// Unit tests for src/nn/safetensors.ts. Files for the decode and rejection cases are built byte by byte here with
// DataView (see `buildFile`), independently of the serializer, so a writer bug cannot hide a reader bug.
//
// The F16 / BF16 decoders were also checked once, outside this suite, against PyTorch 1.13 for all 65,536 bit
// patterns of each type (bit-identical float32, NaN for NaN):
//   h = torch.arange(65536, dtype=torch.int32).to(torch.int16)
//   h.view(torch.float16).float().numpy().view(np.uint32).tofile('f16ref.bin')   # likewise torch.bfloat16
// The tests do not need Python.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  parseSafetensors,
  readSafetensorsBlob,
  readSafetensorsFile,
  SafetensorsError,
  serializeSafetensors,
  toSafetensorsBlob,
  writeSafetensorsFile,
  type HostTensor,
  type SafetensorsErrorCode,
} from '../../src/nn/safetensors.ts';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** A raw file: u64 header length, the header text as given (padded with `pad` spaces), then `data`. */
function buildFile(header: unknown, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const text = (typeof header === 'string' ? header : JSON.stringify(header)) + ' '.repeat(pad);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes written by `write(view, i)` for each of `n` elements of `size` bytes. */
function leBytes(n: number, size: number, write: (v: DataView, offset: number, i: number) => void): Uint8Array {
  const out = new Uint8Array(n * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) write(view, i * size, i);
  return out;
}

function f32(shape: number[], values?: number[]): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: Float32Array.from(values ?? Array.from({ length: n }, (_, i) => i * 0.5 - 3)) };
}

function i32(shape: number[], values?: number[]): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'int32', shape, data: Int32Array.from(values ?? Array.from({ length: n }, (_, i) => i * 7 - 20)) };
}

function expectCode(fn: () => unknown, code: SafetensorsErrorCode, message?: RegExp): SafetensorsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    const e = err as SafetensorsError;
    expect(e.name).toBe('SafetensorsError');
    expect(e.code).toBe(code);
    expect(e.message.startsWith('safetensors: ')).toBe(true);
    if (message) expect(e.message).toMatch(message);
    return e;
  }
  throw new Error(`expected SafetensorsError '${code}', but nothing was thrown`);
}

function only(bytes: Uint8Array, name = 'x'): HostTensor {
  const t = parseSafetensors(bytes).tensors.get(name);
  if (!t) throw new Error(`no tensor ${name}`);
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips

describe('round trip', () => {
  const tensors = new Map<string, HostTensor>([
    ['trunk.0.weight', f32([3, 4])],
    ['trunk.0.bias', f32([4])],
    ['scalar', f32([], [Math.PI])],
    ['empty', f32([0, 3], [])],
    ['labels', i32([2, 2, 3])],
    ['ids', i32([5], [-2147483648, 2147483647, 0, -1, 1])],
    ['int_scalar', i32([], [42])],
    ['int_empty', i32([4, 0], [])],
    ['specials', f32([5], [Infinity, -Infinity, NaN, -0, 1e-45])],
  ]);

  test('F32 and I32 tensors of several shapes come back equal, in insertion order', () => {
    const bytes = serializeSafetensors(tensors);
    const back = parseSafetensors(bytes);
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data)).toEqual(Array.from(t.data)); // toEqual treats NaN as equal and -0 as -0
    }
    expect(back.metadata).toEqual({});
  });

  test('0-d tensor has shape [] and one element; zero-size tensors have no data', () => {
    const back = parseSafetensors(serializeSafetensors(tensors)).tensors;
    expect(back.get('scalar')!.shape).toEqual([]);
    expect(back.get('scalar')!.data.length).toBe(1);
    expect(back.get('empty')!.data.length).toBe(0);
    expect(back.get('int_empty')!.shape).toEqual([4, 0]);
  });

  test('metadata round-trips, including awkward keys', () => {
    const metadata = { format: 'pt', note: 'ünïcödé ✓ "quoted"\n', __proto__x: 'a', '': 'empty key' };
    const back = parseSafetensors(serializeSafetensors(tensors, metadata));
    expect(back.metadata).toEqual(metadata);
  });

  test('a "__proto__" metadata key stays an own string property', () => {
    const bytes = buildFile('{"__metadata__":{"__proto__":"p"}}');
    const { metadata } = parseSafetensors(bytes);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('p');
  });

  test('header is padded with spaces to a multiple of 8 bytes, and data stays aligned', () => {
    for (let extra = 0; extra < 9; extra++) {
      const bytes = serializeSafetensors({ ['w'.repeat(extra + 1)]: f32([2]) });
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const n = view.getUint32(0, true);
      expect(view.getUint32(4, true)).toBe(0);
      expect(n % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      const json = text.replace(/ +$/, '');
      expect(json.endsWith('}')).toBe(true);
      expect(text.length - json.length).toBeLessThan(8); // only spaces were added, and fewer than 8
      expect(JSON.parse(json)).toHaveProperty('w'.repeat(extra + 1));
      expect(bytes.length).toBe(8 + n + 8);
    }
  });

  test('header JSON has the documented layout', () => {
    const bytes = serializeSafetensors(new Map([['a', f32([2])], ['b', i32([1, 1])]]), { k: 'v' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
    expect(text).toBe(
      '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]}}',
    );
  });

  test('serialization is deterministic and a Record keeps JavaScript key order', () => {
    const a = serializeSafetensors({ b: f32([1]), a: f32([1]), 10: i32([1]), 2: i32([1]) });
    const b = serializeSafetensors({ b: f32([1]), a: f32([1]), 10: i32([1]), 2: i32([1]) });
    expect(a).toEqual(b);
    expect([...parseSafetensors(a).tensors.keys()]).toEqual(['2', '10', 'b', 'a']);
  });

  test('a Map with integer-like names keeps its own order through the file', () => {
    const m = new Map([['b', f32([1])], ['10', f32([1])], ['2', f32([1])]]);
    expect([...parseSafetensors(serializeSafetensors(m)).tensors.keys()]).toEqual(['b', '10', '2']);
  });

  test('subarray views (non-zero byteOffset) serialize only their own elements', () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const t: HostTensor = { dtype: 'float32', shape: [3], data: big.subarray(2, 5) };
    expect(Array.from(only(serializeSafetensors({ x: t })).data)).toEqual([1, 2, 3]);
  });

  test('parse accepts an ArrayBuffer and a Uint8Array that views part of a larger buffer', () => {
    const bytes = serializeSafetensors({ x: f32([2, 2]) });
    expect(Array.from(only(bytes.slice().buffer as unknown as Uint8Array).data)).toEqual([-3, -2.5, -2, -1.5]);
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    expect(Array.from(only(host.subarray(3)).data)).toEqual([-3, -2.5, -2, -1.5]);
  });

  test('parsed tensors are copies, not views of the input', () => {
    const bytes = serializeSafetensors({ x: f32([2]) });
    const t = only(bytes);
    bytes.fill(0xff, bytes.length - 8);
    expect(Array.from(t.data)).toEqual([-3, -2.5]);
    expect(t.data.byteOffset).toBe(0);
  });

  test('Blob helpers round-trip', async () => {
    const blob = toSafetensorsBlob(tensors, { a: 'b' });
    expect(blob.type).toBe('application/octet-stream');
    const back = await readSafetensorsBlob(blob);
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    expect(back.metadata).toEqual({ a: 'b' });
  });

  test('Node file helpers round-trip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safetensors-'));
    try {
      const path = join(dir, 'm.safetensors');
      await writeSafetensorsFile(path, tensors, { step: '3' });
      const back = await readSafetensorsFile(path);
      expect(Array.from(back.tensors.get('trunk.0.weight')!.data)).toEqual(Array.from(tensors.get('trunk.0.weight')!.data));
      expect(back.metadata).toEqual({ step: '3' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Decoding other dtypes from hand-built files

describe('decoding', () => {
  test('F16, including subnormals, infinities, NaN and -0', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555, 0x8001];
    const data = leBytes(bits.length, 2, (v, o, i) => v.setUint16(o, bits[i]!, true));
    const t = only(buildFile({ x: { dtype: 'F16', shape: [3, 4], data_offsets: [0, data.length] } }, data));
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.shape).toEqual([3, 4]);
    expect(Array.from(t.data)).toEqual([
      1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity, NaN, -0, 0.333251953125, -(2 ** -24),
    ]);
  });

  test('BF16, including its subnormals and extremes', () => {
    const bits = [0x3f80, 0xc000, 0x4049, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x8000, 0x7f7f];
    const data = leBytes(bits.length, 2, (v, o, i) => v.setUint16(o, bits[i]!, true));
    const t = only(buildFile({ x: { dtype: 'BF16', shape: [9], data_offsets: [0, data.length] } }, data));
    expect(Array.from(t.data)).toEqual([1, -2, 3.140625, Infinity, -Infinity, NaN, 2 ** -133, -0, 3.3895313892515355e38]);
  });

  test('F64 rounds to float32, overflowing to infinity', () => {
    const vals = [1.5, -1e300, 1e-50, 0.1, NaN, -0, 16777217];
    const data = leBytes(vals.length, 8, (v, o, i) => v.setFloat64(o, vals[i]!, true));
    const t = only(buildFile({ x: { dtype: 'F64', shape: [7], data_offsets: [0, data.length] } }, data));
    expect(Array.from(t.data)).toEqual([1.5, -Infinity, 0, Math.fround(0.1), NaN, -0, 16777216]);
  });

  test('I64 inside int32 converts exactly', () => {
    const vals = [0n, -1n, 2147483647n, -2147483648n, 42n, -7n];
    const data = leBytes(vals.length, 8, (v, o, i) => v.setBigInt64(o, vals[i]!, true));
    const t = only(buildFile({ x: { dtype: 'I64', shape: [2, 3], data_offsets: [0, data.length] } }, data));
    expect(t.dtype).toBe('int32');
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data)).toEqual([0, -1, 2147483647, -2147483648, 42, -7]);
  });

  test.each([2147483648n, -2147483649n, 1n << 40n, -(1n << 62n), 4294967295n])('I64 %s is out of range', (value) => {
    const data = leBytes(2, 8, (v, o, i) => v.setBigInt64(o, i === 0 ? 5n : value, true));
    const e = expectCode(
      () => parseSafetensors(buildFile({ 'emb.idx': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data)),
      'out-of-range',
    );
    expect(e.message).toContain('"emb.idx"');
    expect(e.message).toContain(`element 1 is ${value}`);
  });

  test('I32, I16, I8, U8 and BOOL widen to int32', () => {
    const i32b = leBytes(2, 4, (v, o, i) => v.setInt32(o, [-5, 2147483647][i]!, true));
    const i16b = leBytes(3, 2, (v, o, i) => v.setInt16(o, [-32768, 32767, -1][i]!, true));
    const i8b = Uint8Array.from([0x80, 0x7f, 0xff, 0]);
    const u8b = Uint8Array.from([255, 0, 128]);
    const boolb = Uint8Array.from([1, 0, 0, 1]);
    const parts = [i32b, i16b, i8b, u8b, boolb];
    const header: Record<string, unknown> = {};
    const dtypes = ['I32', 'I16', 'I8', 'U8', 'BOOL'];
    const shapes = [[2], [3], [2, 2], [3], [4]];
    let off = 0;
    parts.forEach((p, k) => {
      header[dtypes[k]!] = { dtype: dtypes[k], shape: shapes[k], data_offsets: [off, off + p.length] };
      off += p.length;
    });
    const data = new Uint8Array(off);
    off = 0;
    for (const p of parts) {
      data.set(p, off);
      off += p.length;
    }
    const { tensors } = parseSafetensors(buildFile(header, data));
    const get = (k: string) => Array.from(tensors.get(k)!.data);
    expect(get('I32')).toEqual([-5, 2147483647]);
    expect(get('I16')).toEqual([-32768, 32767, -1]);
    expect(get('I8')).toEqual([-128, 127, -1, 0]);
    expect(get('U8')).toEqual([255, 0, 128]);
    expect(get('BOOL')).toEqual([1, 0, 0, 1]);
    for (const t of tensors.values()) expect(t.data).toBeInstanceOf(Int32Array);
    expect(tensors.get('I8')!.shape).toEqual([2, 2]);
  });

  test('BOOL bytes other than 0 and 1 are rejected', () => {
    const file = buildFile({ mask: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, Uint8Array.from([0, 1, 2]));
    expectCode(() => parseSafetensors(file), 'out-of-range', /"mask".*element 2 is byte 2/);
  });

  test('F32 and I32 at unaligned offsets decode into fresh aligned arrays', () => {
    const data = new Uint8Array(1 + 12 + 8);
    data[0] = 7;
    const view = new DataView(data.buffer);
    [1.25, -2, 3e38].forEach((v, i) => view.setFloat32(1 + 4 * i, v, true));
    [-9, 123456789].forEach((v, i) => view.setInt32(13 + 4 * i, v, true));
    const header = {
      pad: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      f: { dtype: 'F32', shape: [3], data_offsets: [1, 13] },
      n: { dtype: 'I32', shape: [2], data_offsets: [13, 21] },
    };
    for (const pad of [0, 1, 2, 3]) {
      const { tensors } = parseSafetensors(buildFile(header, data, pad));
      expect(Array.from(tensors.get('f')!.data)).toEqual([1.25, -2, Math.fround(3e38)]);
      expect(Array.from(tensors.get('n')!.data)).toEqual([-9, 123456789]);
      expect(tensors.get('f')!.data.byteOffset).toBe(0);
    }
  });

  test('accepted leniencies: padding, unknown entry keys, null metadata, gaps and trailing bytes', () => {
    const data = new Uint8Array(20);
    new DataView(data.buffer).setFloat32(8, 2.5, true);
    const header = {
      __metadata__: null,
      x: { dtype: 'F32', shape: [], data_offsets: [8, 12], extra: { anything: [1, 2] } },
      z: { dtype: 'F32', shape: [0], data_offsets: [8, 8] }, // empty region inside another is fine
    };
    const { tensors, metadata } = parseSafetensors(buildFile(header, data, 13));
    expect(metadata).toEqual({});
    expect(Array.from(tensors.get('x')!.data)).toEqual([2.5]);
    expect(tensors.get('z')!.data.length).toBe(0);
  });

  test('a tensor may be named "__proto__" or "constructor"', () => {
    const data = leBytes(2, 4, (v, o, i) => v.setFloat32(o, i + 1, true));
    const text = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const { tensors } = parseSafetensors(buildFile(text, data));
    expect([...tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(Array.from(tensors.get('constructor')!.data)).toEqual([2]);
  });

  test('header key order is kept even for integer-like names', () => {
    const text = '{"b":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"1":{"dtype":"U8","shape":[],"data_offsets":[1,2]}}';
    expect([...parseSafetensors(buildFile(text, Uint8Array.from([5, 6]))).tensors.keys()]).toEqual(['b', '1']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Rejections

describe('rejects', () => {
  const good = { dtype: 'F32', shape: [3, 4], data_offsets: [0, 48] };
  const data48 = new Uint8Array(48);

  test('files shorter than the length field', () => {
    for (let n = 0; n < 8; n++) expectCode(() => parseSafetensors(new Uint8Array(n)), 'truncated', new RegExp(`${n} bytes`));
  });

  test('header length past the end of the file', () => {
    const file = buildFile({ x: good }, data48);
    const view = new DataView(file.buffer);
    view.setUint32(0, file.length - 8 + 1, true);
    expectCode(() => parseSafetensors(file), 'truncated', /runs past the end/);
    view.setUint32(0, 50_000_000, true); // under the 100 MB default limit, far past this file
    expectCode(() => parseSafetensors(file), 'truncated');
  });

  test('header over maxHeaderBytes, and u64 lengths beyond 2^32', () => {
    const file = buildFile({ x: good }, data48);
    expectCode(() => parseSafetensors(file, { maxHeaderBytes: 16 }), 'header-too-large', /over the 16-byte limit/);
    const view = new DataView(file.buffer);
    view.setUint32(4, 1, true);
    expectCode(() => parseSafetensors(file), 'header-too-large');
    view.setUint32(0, 0xffffffff, true);
    view.setUint32(4, 0xffffffff, true);
    expectCode(() => parseSafetensors(file), 'header-too-large');
  });

  test('invalid UTF-8, invalid JSON, and JSON that is not an object', () => {
    const bad = buildFile('{"x":1}');
    bad[10] = 0xff;
    expectCode(() => parseSafetensors(bad), 'bad-json', /UTF-8/);
    expectCode(() => parseSafetensors(buildFile('{"x": ')), 'bad-json', /not valid JSON/);
    expectCode(() => parseSafetensors(buildFile('')), 'bad-json');
    for (const text of ['[]', '42', 'null', '"s"', 'true']) {
      expectCode(() => parseSafetensors(buildFile(text)), 'bad-json', /must be a JSON object/);
    }
  });

  test('entries that are not objects or lack a field', () => {
    for (const entry of [1, 'F32', null, [1, 2], true]) {
      expectCode(() => parseSafetensors(buildFile({ 'trunk.0.weight': entry })), 'bad-entry', /"trunk.0.weight": entry must be an object/);
    }
    for (const field of ['dtype', 'shape', 'data_offsets'] as const) {
      const { [field]: _dropped, ...rest } = good;
      expectCode(() => parseSafetensors(buildFile({ w: rest }, data48)), 'bad-entry', new RegExp(`"w": entry has no "${field}"`));
    }
  });

  test('unknown or unsupported dtypes', () => {
    for (const dtype of ['F8_E4M3', 'U32', 'f32', 'float32', '', 5, null]) {
      expectCode(() => parseSafetensors(buildFile({ w: { ...good, dtype } }, data48)), 'bad-dtype', /"w": unsupported dtype/);
    }
  });

  test('shapes that are not arrays of non-negative safe integers', () => {
    for (const shape of [[-1, 4], [3.5], ['3'], [null], 12, null, [2 ** 53], [Infinity], [[3]]]) {
      expectCode(() => parseSafetensors(buildFile({ w: { ...good, shape } }, data48)), 'bad-shape', /"w": shape must be/);
    }
  });

  test('bad data_offsets', () => {
    const cases: [unknown, RegExp][] = [
      [[0], /two non-negative integers/],
      [[0, 48, 96], /two non-negative integers/],
      [[-4, 44], /two non-negative integers/],
      [[0.5, 48], /two non-negative integers/],
      [['0', '48'], /two non-negative integers/],
      [[0, 1e300], /two non-negative integers/],
      [{ begin: 0, end: 48 }, /two non-negative integers/],
      [[48, 0], /\[48,0\] end before they begin/],
      [[4, 52], /\[4,52\] run past the data region \(48 bytes\)/],
    ];
    for (const [offsets, msg] of cases) {
      expectCode(() => parseSafetensors(buildFile({ w: { ...good, data_offsets: offsets } }, data48)), 'bad-offsets', msg);
    }
  });

  test('overlapping data regions', () => {
    const header = {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [4], data_offsets: [12, 28] },
    };
    expectCode(() => parseSafetensors(buildFile(header, new Uint8Array(28))), 'overlap', /"a" \[0,16\] and "b" \[12,28\]/);
    const nested = {
      a: { dtype: 'U8', shape: [10], data_offsets: [0, 10] },
      b: { dtype: 'U8', shape: [2], data_offsets: [10, 12] },
      c: { dtype: 'U8', shape: [1], data_offsets: [5, 6] },
    };
    expectCode(() => parseSafetensors(buildFile(nested, new Uint8Array(12))), 'overlap');
    const same = { a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } };
    expectCode(() => parseSafetensors(buildFile(same, new Uint8Array(2))), 'overlap');
  });

  test('byte length differs from product(shape) × dtype size', () => {
    const e = expectCode(
      () => parseSafetensors(buildFile({ 'trunk.0.weight': { ...good, data_offsets: [0, 40] } }, data48)),
      'size-mismatch',
    );
    expect(e.message).toBe('safetensors: tensor "trunk.0.weight": data_offsets [0,40] give 40 bytes, but F32 [3,4] needs 48');
    expectCode(() => parseSafetensors(buildFile({ w: { dtype: 'F16', shape: [], data_offsets: [0, 4] } }, data48)), 'size-mismatch');
    expectCode(() => parseSafetensors(buildFile({ w: { dtype: 'F32', shape: [0], data_offsets: [0, 4] } }, data48)), 'size-mismatch');
  });

  test('shapes whose element count overflows', () => {
    const huge = { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 48] };
    expectCode(() => parseSafetensors(buildFile({ w: huge }, data48)), 'size-mismatch', /more elements than can be counted/);
    const nearMax = { dtype: 'F64', shape: [2 ** 50], data_offsets: [0, 48] };
    expectCode(() => parseSafetensors(buildFile({ w: nearMax }, data48)), 'size-mismatch');
    // A zero dimension makes the tensor empty however large the others are.
    const empty = { dtype: 'F32', shape: [2 ** 52, 2 ** 52, 0], data_offsets: [0, 0] };
    expect(only(buildFile({ x: empty }, data48)).data.length).toBe(0);
  });

  test('duplicate keys, at the top level and inside entries and metadata', () => {
    const e = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}';
    expectCode(() => parseSafetensors(buildFile(`{"w":${e},"w":${e}}`, new Uint8Array(1))), 'duplicate', /tensor "w" twice/);
    expectCode(() => parseSafetensors(buildFile(`{"w":${e},"\\u0077":${e}}`, new Uint8Array(1))), 'duplicate');
    expectCode(
      () => parseSafetensors(buildFile('{"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1))),
      'duplicate',
      /key "dtype" inside "w"/,
    );
    expectCode(() => parseSafetensors(buildFile('{"__metadata__":{"a":"1","a":"2"}}')), 'duplicate');
    // Equal strings as values, or in different objects, are fine.
    const ok = '{"__metadata__":{"a":"a"},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"y":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    expect(parseSafetensors(buildFile(ok, new Uint8Array(2))).tensors.size).toBe(2);
  });

  test('metadata that is not an object of strings', () => {
    for (const m of ['[]', '"s"', '3', '{"a":1}', '{"a":null}', '{"a":{"b":"c"}}', '{"a":["x"]}']) {
      expectCode(() => parseSafetensors(buildFile(`{"__metadata__":${m}}`)), 'bad-metadata');
    }
  });

  test('serializer input errors', () => {
    expectCode(() => serializeSafetensors({ __metadata__: f32([1]) }), 'bad-input', /reserved/);
    expectCode(() => serializeSafetensors({ w: { dtype: 'float32', shape: [2], data: new Int32Array(2) } }), 'bad-input', /Float32Array/);
    expectCode(
      () => serializeSafetensors({ w: { dtype: 'float16' as 'float32', shape: [2], data: new Float32Array(2) } }),
      'bad-input',
    );
    expectCode(() => serializeSafetensors({ w: f32([2, 3], [1, 2, 3]) }), 'size-mismatch', /\[2,3\] needs 6 elements, data has 3/);
    expectCode(() => serializeSafetensors({ w: { dtype: 'int32', shape: [-1], data: new Int32Array(0) } }), 'bad-shape');
    expectCode(() => serializeSafetensors({}, { a: 1 as unknown as string }), 'bad-metadata');
  });
});
