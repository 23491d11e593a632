// Where downloaded weights are kept so that a second load does not download them again.
//
//   in a page   the browser's Cache Storage (caches.open), cache "webgpu-tensor-weights", keyed by the URL
//   in Node     a folder: $WEBGPU_TENSOR_CACHE, else $XDG_CACHE_HOME/webgpu-tensor, else ~/.cache/webgpu-tensor;
//               one file per URL, named by a hash of the URL and the URL's file name
//
// `cache: 'NAME'` picks another Cache Storage name (page) or folder (Node); `cache: false` turns caching off.
// Only whole, parsed safetensors files are stored (weights-source.ts puts them after checking), and a file at a
// URL is taken to stay the same: clearWeightsCache() forgets one URL or all of them. Node's modules are loaded
// on call, hidden from bundlers, so the file bundles for the browser.

/** One cache of weights files by URL. */
export interface WeightsCache {
  /** Where it is, for messages: 'Cache Storage "webgpu-tensor-weights"' or a folder. */
  readonly where: string;
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  /** Forgets one URL, or everything when `url` is undefined. */
  delete(url?: string): Promise<void>;
}

/** The default Cache Storage name in a page. */
export const DEFAULT_CACHE_NAME = 'webgpu-tensor-weights';

/** True in Node (and Node-like runtimes), where paths are files and the cache is a folder. */
export function inNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { document?: unknown }).document === 'undefined';
}

/** Loads a Node built-in on call; the specifier is not a literal, so bundlers leave it alone. */
export async function nodeModule<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return (await import(/* @vite-ignore */ specifier)) as T;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** The cache for `option` (undefined or true: the default; a string: a name or folder; false: none). */
export async function openWeightsCache(option: boolean | string | undefined): Promise<WeightsCache | null> {
  if (option === false) return null;
  const name = typeof option === 'string' ? option : undefined;
  if (inNode()) return folderCache(name ?? (await defaultFolder()));
  if (typeof caches === 'undefined') return null; // not a secure context, or no Cache Storage: download every time
  return storageCache(name ?? DEFAULT_CACHE_NAME);
}

/** Node's default folder ($WEBGPU_TENSOR_CACHE, $XDG_CACHE_HOME/webgpu-tensor, ~/.cache/webgpu-tensor). */
export async function defaultFolder(): Promise<string> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const path = await nodeModule<Path>('path');
  if (env.WEBGPU_TENSOR_CACHE) return env.WEBGPU_TENSOR_CACHE;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'webgpu-tensor');
  const os = await nodeModule<typeof import('node:os')>('os');
  return path.join(os.homedir(), '.cache', 'webgpu-tensor');
}

function storageCache(name: string): WeightsCache {
  return {
    where: `Cache Storage "${name}"`,
    async get(url) {
      const hit = await (await caches.open(name)).match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(url, bytes) {
      const body = new Uint8Array(bytes); // a copy on its own ArrayBuffer: the Response owns it
      await (await caches.open(name)).put(url, new Response(body, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async delete(url) {
      if (url === undefined) await caches.delete(name);
      else await (await caches.open(name)).delete(url);
    },
  };
}

async function folderCache(folder: string): Promise<WeightsCache> {
  const [fs, path, crypto] = await Promise.all([nodeModule<Fs>('fs/promises'), nodeModule<Path>('path'), nodeModule<typeof import('node:crypto')>('crypto')]);
  const fileOf = (url: string): string => {
    const base = (new URL(url).pathname.split('/').pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(-80) || 'weights';
    return path.join(folder, `${crypto.createHash('sha256').update(url).digest('hex').slice(0, 16)}-${base}`);
  };
  return {
    where: folder,
    async get(url) {
      try {
        return new Uint8Array(await fs.readFile(fileOf(url)));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(url, bytes) {
      await fs.mkdir(folder, { recursive: true });
      const file = fileOf(url);
      const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.part`; // written whole, then renamed: never half a file
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, file);
    },
    async delete(url) {
      if (url !== undefined) await fs.rm(fileOf(url), { force: true });
      else await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
