// A small static file server on 127.0.0.1 for the weights tests: nothing is downloaded from outside. It serves
// files held in memory, counts the requests for each path (so a test can see that a second load came from the
// cache), answers 404 for anything else, and allows any origin (CORS), so a page served elsewhere can fetch.
//
//   /<name>        the file, whole, with its Content-Length
//   /cut/<name>    announces the whole Content-Length, sends half, then drops the connection (a download cut short)
//   /nolength/<name>  the file without a Content-Length (chunked)

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StaticServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** Files by name (without the leading slash); tests may add more while it runs. */
  files: Map<string, Uint8Array>;
  /** Requests per path, e.g. '/model.safetensors' → 1. */
  requests: Map<string, number>;
  /** Requests for `path`, 0 when none. */
  count(path: string): number;
  close(): Promise<void>;
}

export async function startStaticServer(files: Map<string, Uint8Array> = new Map()): Promise<StaticServer> {
  const requests = new Map<string, number>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length');
    const [, mode, rest] = /^\/(cut|nolength)\/(.*)$/.exec(path) ?? [null, null, path.slice(1)];
    const body = files.get(rest ?? '');
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`no such file: ${path}`);
      return;
    }
    if (mode === 'nolength') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.from(body));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.byteLength) });
    if (mode === 'cut') {
      res.write(Buffer.from(body.subarray(0, body.byteLength >> 1)), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(Buffer.from(body));
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requests,
    count: (path) => requests.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
