// Downloads a weights file with progress: fetch (the browser's, or Node's own), the body read chunk by chunk so
// onProgress sees bytes received against the Content-Length, and errors that name the URL: an HTTP status, no
// answer at all, or a body that stopped short of what the server announced.

import { WeightsError } from './weights-error.ts';

/** Progress of one load: bytes received so far and the total when known (null when the server sent no length). */
export interface WeightsProgress {
  url: string;
  received: number;
  total: number | null;
  /** True when the bytes came from the cache (one call, received = total). */
  cached: boolean;
}

export interface DownloadOptions {
  onProgress?: (p: WeightsProgress) => void;
  signal?: AbortSignal;
}

/** Hints for a status, said after it. */
function statusHint(status: number): string {
  if (status === 404) return ': there is no file at this address (check the path; on the Hugging Face Hub a file is at https://huggingface.co/<repo>/resolve/main/model.safetensors)';
  if (status === 401 || status === 403) {
    return ': the server refused it (a private or gated repository needs a token; download the file yourself and pass its bytes or path)';
  }
  if (status >= 500) return ': the server failed; try again later';
  return '';
}

/** GETs `url` whole. Throws WeightsError 'http-status', 'network' or 'truncated'; an abort rethrows the AbortError. */
export async function download(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  let res: Response;
  try {
    res = await fetch(url, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    const why = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
    const cors = typeof (globalThis as { document?: unknown }).document !== 'undefined'
      ? '; from a page, a server on another origin must allow it with Access-Control-Allow-Origin (CORS)' : '';
    throw new WeightsError('network', url, `could not download ${url}: ${why}${cors}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    throw new WeightsError('http-status', url, `could not download ${url}: ${status}${statusHint(res.status)}`);
  }
  // A compressed body's Content-Length counts compressed bytes, not what the reader yields: no total then.
  const length = res.headers.get('content-length');
  const total = length !== null && !res.headers.get('content-encoding') && /^\d+$/.test(length) ? Number(length) : null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  onProgress?.({ url, received, total, cached: false });
  const cut = (why: string): WeightsError =>
    new WeightsError('truncated', url, `the download of ${url} is truncated: expected ${total ?? 'more than'} bytes, got ${received}${why}; try again`);
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw e;
        throw cut(` (the connection ended: ${e instanceof Error ? e.message : String(e)})`);
      }
      if (step.done) break;
      chunks.push(step.value);
      received += step.value.byteLength;
      onProgress?.({ url, received, total, cached: false });
    }
  }
  if (total !== null && received !== total) throw cut('');
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
