// `.safetensors` reader and writer in plain TypeScript: no GPU, and no Node-only import at module top level, so
// the file bundles for the browser. Only `readSafetensorsFile` / `writeSafetensorsFile` reach for `node:fs`,
// and they load it on call.
//
// File layout (all little-endian):
//   [u64 N] [N bytes of UTF-8 JSON header, optionally padded with trailing spaces] [data region]
// The header maps tensor name → { dtype, shape, data_offsets: [begin, end] } (offsets relative to the start of
// the data region), plus an optional "__metadata__" object of string → string. Tensors are row-major.
//
// Reading converts every tensor to one of the engine's two host dtypes:
//   F32, F16, BF16, F64          → float32 (F64 rounds to nearest float32; out-of-range values become ±Infinity)
//   I32, I16, I8, U8, BOOL, I64  → int32   (I64 outside the int32 range and BOOL bytes other than 0/1 are rejected)
// Writing emits F32 for float32 and I32 for int32.
//
// What the reader accepts beyond the bare format, and what it rejects:
//   - Unknown keys inside a tensor entry are ignored (forward compatibility); "__metadata__": null means none.
//   - Gaps between data regions and bytes after the last one are allowed; overlapping regions are not.
//   - Duplicate keys anywhere in the header are rejected ('duplicate'). JSON.parse would silently keep the last
//     one, so after it succeeds a light scan of the (now known-valid) text looks for repeats.
//   - The returned Map lists tensors in the order their names appear in the header text (the same scan records it),
//     so a file written from a Map reads back in the Map's order.
//   - Dtypes outside SafetensorsDType (U16, U32, U64, F8_*, ...) are rejected as 'bad-dtype'.
//
// Every failure on malformed input is a SafetensorsError whose message names the tensor and what is wrong.

import { EngineError, fmtShape } from '../engine/internal.ts';

/** The on-disk dtypes this module reads. */
export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** A tensor in host memory, in one of the engine's dtypes. `data.length` equals the product of `shape`. */
export interface HostTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What `parseSafetensors` returns. `metadata` is `{}` when the file has none. */
export interface SafetensorsContents {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

export interface ParseOptions {
  /** Largest header accepted, in bytes. Default 100,000,000 (the limit the reference implementation uses). */
  maxHeaderBytes?: number;
}

/** Why a file (or, for 'bad-input', a tensor handed to the writer) was rejected. */
export type SafetensorsErrorCode =
  | 'truncated' // shorter than 8 bytes, or the header length runs past the end of the file
  | 'header-too-large' // header length over maxHeaderBytes
  | 'bad-json' // header is not UTF-8, not JSON, or not a JSON object
  | 'bad-entry' // a tensor entry is not an object, or lacks dtype / shape / data_offsets
  | 'bad-dtype' // a dtype this module does not read
  | 'bad-shape' // shape is not an array of non-negative safe integers
  | 'bad-offsets' // data_offsets not two integers, end < begin, or past the end of the data region
  | 'overlap' // two tensors' data regions share bytes
  | 'size-mismatch' // byte length differs from product(shape) × dtype size, or that product overflows
  | 'out-of-range' // an I64 value outside int32, or a BOOL byte other than 0 / 1
  | 'duplicate' // the same key twice in one JSON object of the header
  | 'bad-metadata' // "__metadata__" is not an object of string → string
  | 'bad-input'; // serializer input: wrong dtype / array type, reserved name

export class SafetensorsError extends EngineError {
  override name = 'SafetensorsError';
  readonly code: SafetensorsErrorCode;
  constructor(code: SafetensorsErrorCode, message: string) {
    super(`safetensors: ${message}`);
    this.code = code;
  }
}

const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/** Bytes per element of each readable dtype. */
const DTYPE_SIZE: Record<SafetensorsDType, number> = {
  F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

const FLOAT_DTYPES: ReadonlySet<SafetensorsDType> = new Set(['F32', 'F16', 'BF16', 'F64']);

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isSafetensorsDType(s: string): s is SafetensorsDType {
  return Object.hasOwn(DTYPE_SIZE, s);
}

// ---------------------------------------------------------------------------------------------------------------
// Message helpers: names and shapes come from untrusted files, so keep them short and printable.

function q(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

function showShape(shape: readonly number[]): string {
  return shape.length > 12 ? `${fmtShape(shape.slice(0, 12))}… (${shape.length} dims)` : fmtShape(shape);
}

function showValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/**
 * Element count of a validated shape, or -1 when it exceeds Number.MAX_SAFE_INTEGER. A zero anywhere wins, so
 * `[1e15, 1e15, 0]` is an empty tensor rather than an overflow.
 */
function numelOrOverflow(shape: readonly number[]): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}

interface HeaderScan {
  /** Top-level keys in text order. */
  topKeys: string[];
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Walks header text that JSON.parse already accepted, recording the top-level keys in order and throwing
 * 'duplicate' when one object repeats a key. Because the text is valid JSON the walk only has to track strings,
 * braces and brackets; it is iterative, so deep nesting cannot overflow the stack.
 */
function scanHeader(text: string): HeaderScan {
  const topKeys: string[] = [];
  // One frame per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  const parents: string[] = []; // the key each open object hangs from, for messages
  let lastKey = '';
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else {
          j += 1;
        }
      }
      const raw = text.slice(i, j + 1);
      i = j + 1;
      let k = i;
      while (k < n && isJsonSpace(text.charCodeAt(k))) k++;
      const keys = stack[stack.length - 1];
      if (text.charCodeAt(k) === 0x3a /* : */ && keys) {
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (keys.has(key)) {
          if (stack.length === 1) throw new SafetensorsError('duplicate', `header lists tensor ${q(key)} twice`);
          throw new SafetensorsError('duplicate', `header repeats key ${q(key)} inside ${q(parents[parents.length - 1] ?? '')}`);
        }
        keys.add(key);
        if (stack.length === 1) topKeys.push(key);
        lastKey = key;
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      parents.push(lastKey);
      i++;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      parents.push(lastKey);
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      parents.pop();
      i++;
    } else {
      i++;
    }
  }
  return { topKeys };
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

/** Validates one header entry against the data region length; everything but overlap is checked here. */
function checkEntry(name: string, value: unknown, dataBytes: number): Entry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError('bad-entry', `tensor ${q(name)}: entry must be an object, got ${showValue(value)}`);
  }
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(value, field)) throw new SafetensorsError('bad-entry', `tensor ${q(name)}: entry has no "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (typeof dtype !== 'string' || !isSafetensorsDType(dtype)) {
    throw new SafetensorsError(
      'bad-dtype',
      `tensor ${q(name)}: unsupported dtype ${showValue(dtype)} (reads ${Object.keys(DTYPE_SIZE).join(', ')})`,
    );
  }

  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new SafetensorsError(
      'bad-shape',
      `tensor ${q(name)}: shape must be an array of non-negative integers, got ${showValue(shape)}`,
    );
  }
  const dims = (shape as number[]).map((d) => d + 0); // + 0 turns -0 into 0

  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  ) {
    throw new SafetensorsError(
      'bad-offsets',
      `tensor ${q(name)}: data_offsets must be two non-negative integers, got ${showValue(offsets)}`,
    );
  }
  const begin = (offsets[0] as number) + 0;
  const end = (offsets[1] as number) + 0;
  if (end < begin) {
    throw new SafetensorsError('bad-offsets', `tensor ${q(name)}: data_offsets [${begin},${end}] end before they begin`);
  }
  if (end > dataBytes) {
    throw new SafetensorsError(
      'bad-offsets',
      `tensor ${q(name)}: data_offsets [${begin},${end}] run past the data region (${dataBytes} bytes)`,
    );
  }

  const numel = numelOrOverflow(dims);
  if (numel < 0) {
    throw new SafetensorsError(
      'size-mismatch',
      `tensor ${q(name)}: ${dtype} ${showShape(dims)} has more elements than can be counted exactly`,
    );
  }
  const need = numel * DTYPE_SIZE[dtype];
  if (end - begin !== need) {
    throw new SafetensorsError(
      'size-mismatch',
      `tensor ${q(name)}: data_offsets [${begin},${end}] give ${end - begin} bytes, but ${dtype} ${showShape(dims)} needs ${need}`,
    );
  }
  return { name, dtype, shape: dims, numel, begin, end };
}

function checkNoOverlap(entries: readonly Entry[]): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (prev && e.begin < prev.end) {
      throw new SafetensorsError(
        'overlap',
        `tensors ${q(prev.name)} [${prev.begin},${prev.end}] and ${q(e.name)} [${e.begin},${e.end}] share data bytes`,
      );
    }
    if (!prev || e.end > prev.end) prev = e;
  }
}

let f16Table: Float32Array | undefined;

/** float32 value of every half-precision bit pattern, built on first use (256 KiB). */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24; // zero and subnormals
    else if (exp === 31) t[h] = mant === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

/** Copies `n` 4-byte little-endian elements starting at `src` into a fresh, aligned array. */
function copy32<T extends Float32Array | Int32Array>(
  make: (n: number) => T,
  bytes: Uint8Array,
  view: DataView,
  src: number,
  n: number,
  float: boolean,
): T {
  const out = make(n);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(src, src + 4 * n));
  } else {
    for (let i = 0; i < n; i++) out[i] = float ? view.getFloat32(src + 4 * i, true) : view.getInt32(src + 4 * i, true);
  }
  return out;
}

function decode(e: Entry, bytes: Uint8Array, view: DataView, dataStart: number): HostTensor {
  const n = e.numel;
  const src = dataStart + e.begin;
  const shape = e.shape;
  if (FLOAT_DTYPES.has(e.dtype)) {
    let data: Float32Array;
    switch (e.dtype) {
      case 'F32':
        data = copy32((k) => new Float32Array(k), bytes, view, src, n, true);
        break;
      case 'F16': {
        data = new Float32Array(n);
        const table = halfTable();
        for (let i = 0; i < n; i++) data[i] = table[view.getUint16(src + 2 * i, true)] as number;
        break;
      }
      case 'BF16': {
        data = new Float32Array(n);
        const bits = new Uint32Array(data.buffer);
        // bfloat16 is the top half of a float32; both views of one buffer share the host's byte order.
        for (let i = 0; i < n; i++) bits[i] = view.getUint16(src + 2 * i, true) << 16;
        break;
      }
      default: {
        // F64
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat64(src + 8 * i, true);
      }
    }
    return { dtype: 'float32', shape, data };
  }

  let data: Int32Array;
  switch (e.dtype) {
    case 'I32':
      data = copy32((k) => new Int32Array(k), bytes, view, src, n, false);
      break;
    case 'I64': {
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = view.getUint32(src + 8 * i, true);
        const hi = view.getInt32(src + 8 * i + 4, true);
        // In int32 range exactly when the high word is the sign extension of the low word's top bit.
        if (hi !== (lo >= 0x80000000 ? -1 : 0)) {
          const value = (BigInt(hi) << 32n) + BigInt(lo);
          throw new SafetensorsError(
            'out-of-range',
            `tensor ${q(e.name)}: I64 element ${i} is ${value}, outside the int32 range the engine uses`,
          );
        }
        data[i] = lo | 0;
      }
      break;
    }
    case 'I16':
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt16(src + 2 * i, true);
      break;
    case 'I8':
      data = Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + src, n));
      break;
    case 'U8':
      data = Int32Array.from(bytes.subarray(src, src + n));
      break;
    default: {
      // BOOL
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const b = bytes[src + i] as number;
        if (b > 1) {
          throw new SafetensorsError('out-of-range', `tensor ${q(e.name)}: BOOL element ${i} is byte ${b}, not 0 or 1`);
        }
        data[i] = b;
      }
    }
  }
  return { dtype: 'int32', shape, data };
}

/**
 * Parses a whole `.safetensors` file held in memory. Every tensor is copied out, so the result does not alias
 * `bytes`. Throws SafetensorsError (and nothing else) when the file is malformed.
 */
export function parseSafetensors(bytes: ArrayBuffer | Uint8Array, opts: ParseOptions = {}): SafetensorsContents {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (u8.byteLength < 8) {
    throw new SafetensorsError('truncated', `file is ${u8.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  // u64 as two u32 halves; above 2^53 the sum is inexact, but then it is far over any limit anyway.
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > maxHeader) {
    throw new SafetensorsError('header-too-large', `header length ${headerLen} is over the ${maxHeader}-byte limit`);
  }
  if (8 + headerLen > u8.byteLength) {
    throw new SafetensorsError(
      'truncated',
      `header length ${headerLen} runs past the end of the file (${u8.byteLength - 8} bytes after the length field)`,
    );
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(u8.subarray(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError('bad-json', 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SafetensorsError('bad-json', `header is not valid JSON (${why.slice(0, 120)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError('bad-json', `header must be a JSON object, got ${showValue(json)}`);
  }
  const header = json as Record<string, unknown>;
  const { topKeys } = scanHeader(text);

  const metadata = readMetadata(header);
  const dataStart = 8 + headerLen;
  const dataBytes = u8.byteLength - dataStart;
  const entries: Entry[] = [];
  for (const name of topKeys) {
    if (name === METADATA_KEY) continue;
    entries.push(checkEntry(name, header[name], dataBytes));
  }
  checkNoOverlap(entries);

  const tensors = new Map<string, HostTensor>();
  for (const e of entries) tensors.set(e.name, decode(e, u8, view, dataStart));
  return { tensors, metadata };
}

function readMetadata(header: Record<string, unknown>): Record<string, string> {
  if (!Object.hasOwn(header, METADATA_KEY)) return {};
  const m = header[METADATA_KEY];
  if (m === null) return {};
  if (typeof m !== 'object' || Array.isArray(m)) {
    throw new SafetensorsError('bad-metadata', `"${METADATA_KEY}" must be an object of strings, got ${showValue(m)}`);
  }
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError('bad-metadata', `"${METADATA_KEY}" key ${q(k)} must map to a string, got ${showValue(v)}`);
    }
    pairs.push([k, v]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data rather than becoming the prototype.
  return Object.fromEntries(pairs);
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/**
 * Serializes tensors to `.safetensors` bytes: float32 → "F32", int32 → "I32". Tensors and their data appear in
 * iteration order of `tensors` (a Map's insertion order; for a plain object, JavaScript's key order, which puts
 * integer-like names first), so equal inputs give byte-identical files. "__metadata__" comes first in the header,
 * and the header is padded with spaces to a multiple of 8 bytes, which keeps every tensor 4-byte aligned.
 */
export function serializeSafetensors(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError('bad-metadata', `metadata key ${q(k)} must map to a string, got ${showValue(v)}`);
      }
    }
    header.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }

  let offset = 0;
  for (const [name, t] of list) {
    checkHostTensor(name, t);
    const begin = offset;
    offset += t.data.byteLength;
    const dtype = t.dtype === 'float32' ? 'F32' : 'I32';
    header.push(
      `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${begin},${offset}]}`,
    );
  }

  const json = new TextEncoder().encode(`{${header.join(',')}}`);
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen);

  let pos = 8 + headerLen;
  for (const [, t] of list) {
    if (HOST_LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      for (let i = 0; i < t.data.length; i++) {
        if (t.data instanceof Float32Array) view.setFloat32(pos + 4 * i, t.data[i] as number, true);
        else view.setInt32(pos + 4 * i, t.data[i] as number, true);
      }
    }
    pos += t.data.byteLength;
  }
  return out;
}

function checkHostTensor(name: string, t: HostTensor): void {
  if (name === METADATA_KEY) {
    throw new SafetensorsError('bad-input', `tensor name "${METADATA_KEY}" is reserved for metadata`);
  }
  const want = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : undefined;
  if (!want) throw new SafetensorsError('bad-input', `tensor ${q(name)}: dtype ${showValue(t.dtype)} is not float32 or int32`);
  if (!(t.data instanceof want)) {
    throw new SafetensorsError('bad-input', `tensor ${q(name)}: ${t.dtype} data must be a ${want.name}`);
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError('bad-shape', `tensor ${q(name)}: shape must be non-negative integers, got ${showValue(t.shape)}`);
  }
  const numel = numelOrOverflow(t.shape);
  if (numel !== t.data.length) {
    throw new SafetensorsError(
      'size-mismatch',
      `tensor ${q(name)}: shape ${showShape(t.shape)} needs ${numel} elements, data has ${t.data.length}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs (browser and Node) and files (Node only)

/** Reads a `.safetensors` Blob or File (for example from `<input type=file>` or `fetch().blob()`). */
export async function readSafetensorsBlob(blob: Blob, opts?: ParseOptions): Promise<SafetensorsContents> {
  return parseSafetensors(new Uint8Array(await blob.arrayBuffer()), opts);
}

/** Serializes to a Blob, ready for a download link or `fetch` body. */
export function toSafetensorsBlob(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Blob {
  return new Blob([serializeSafetensors(tensors, metadata)], { type: 'application/octet-stream' });
}

type NodeFs = typeof import('node:fs/promises');

/** Loads `node:fs/promises` on call; the specifier is hidden from bundlers so browser builds never see it. */
async function nodeFs(): Promise<NodeFs> {
  const specifier = 'node:fs/promises';
  return (await import(/* @vite-ignore */ specifier)) as NodeFs;
}

/** Node only: reads and parses a `.safetensors` file. I/O errors pass through as Node's own errors. */
export async function readSafetensorsFile(path: string, opts?: ParseOptions): Promise<SafetensorsContents> {
  const fs = await nodeFs();
  return parseSafetensors(await fs.readFile(path), opts);
}

/** Node only: serializes and writes a `.safetensors` file, replacing any file at `path`. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const fs = await nodeFs();
  await fs.writeFile(path, serializeSafetensors(tensors, metadata));
}
