// Why weights could not be read, in words that say what happened and what to do: an HTTP status with its URL,
// a download or file cut short (bytes expected against bytes got), a file that is not .safetensors (and what it
// looks like instead: a PyTorch .pth, a web page), a path that does not exist. A checkpoint of another
// architecture is not this error: it parses fine and fails in ZooModel.loadWeights as a StateDictError that
// names the architecture it is (checkpoint.ts).

import { EngineError } from '../engine/internal.ts';

/** What went wrong while getting weights. */
export type WeightsErrorCode =
  | 'http-status' // the server answered, but not with 2xx (the URL and the status are in the message)
  | 'network' // no answer: the server is down, the name does not resolve, CORS refused it, ...
  | 'truncated' // fewer bytes than the Content-Length or the safetensors header promises
  | 'not-safetensors' // the bytes are something else (a .pth zip, a pickle, a web page, ...)
  | 'not-found' // a file path (Node) that does not exist
  | 'bad-metadata'; // the file's "input" metadata is not an InputSpec

export class WeightsError extends EngineError {
  override name = 'WeightsError';
  readonly code: WeightsErrorCode;
  /** Where the weights came from: a URL, 'file <path>', 'a Blob', 'bytes'. */
  readonly from: string;
  constructor(code: WeightsErrorCode, from: string, message: string) {
    super(message);
    this.code = code;
    this.from = from;
  }
}

/** Where to get a safetensors file of real ImageNet weights (said when a file is something else). */
const WHERE = 'export one with tools/export_torchvision.py, or take model.safetensors from a timm repository on the Hugging Face Hub';

/**
 * What `bytes` look like when they are not a safetensors file, or null when they may be one. A safetensors file
 * starts with a little-endian u64 header length and then '{'.
 */
export function notSafetensors(bytes: Uint8Array): string | null {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  if (head.startsWith('PK\x03\x04')) return `a zip archive: a PyTorch checkpoint saved with torch.save (.pth / .pt), not .safetensors; ${WHERE}`;
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) return `a Python pickle (an old-style torch.save .pth), not .safetensors; ${WHERE}`;
  if (/^\s*</.test(head)) {
    return 'a web page (HTML), not .safetensors: the address is probably a page about the file rather than the file ' +
      '(on the Hugging Face Hub, use …/resolve/main/model.safetensors, not …/blob/main/…)';
  }
  if (/^\s*[{[]/.test(head)) return 'JSON text, not .safetensors (a config or an error reply rather than the weights?)';
  if (bytes.byteLength >= 9 && bytes[8] !== 0x7b) {
    return `not .safetensors: after the 8-byte header length a safetensors file starts its JSON header with '{'; ${WHERE}`;
  }
  return null;
}

/**
 * The size a safetensors file says it has (8 + header length + the end of its last tensor), or null when the
 * header cannot be read (parseSafetensors then says why). Used to tell a file cut short from a broken one.
 */
export function declaredSize(bytes: Uint8Array): number | null {
  if (bytes.byteLength < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (8 + headerLen > bytes.byteLength) return 8 + headerLen;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null) return null;
  let end = 0;
  for (const [k, v] of Object.entries(header as Record<string, unknown>)) {
    if (k === '__metadata__' || typeof v !== 'object' || v === null) continue;
    const off = (v as { data_offsets?: unknown }).data_offsets;
    if (Array.isArray(off) && typeof off[1] === 'number') end = Math.max(end, off[1]);
  }
  return 8 + headerLen + end;
}

/**
 * Throws 'not-safetensors' or 'truncated' when `bytes` are clearly not a whole safetensors file; anything else
 * malformed is left to parseSafetensors (a SafetensorsError naming the tensor and the fault).
 */
export function checkWholeSafetensors(bytes: Uint8Array, from: string): void {
  const other = notSafetensors(bytes);
  if (other !== null) throw new WeightsError('not-safetensors', from, `weights from ${from}: ${other}`);
  const want = declaredSize(bytes); // null for fewer than 8 bytes: parseSafetensors says so
  if (want !== null && bytes.byteLength < want) {
    throw new WeightsError('truncated', from,
      `weights from ${from}: the file is truncated: its safetensors header describes ${want} bytes, it has ${bytes.byteLength}` +
      ' (an interrupted download or copy: fetch it again)');
  }
}
