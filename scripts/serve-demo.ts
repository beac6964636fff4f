// A small static server for the browser demo, bound to 127.0.0.1. Every response carries a
// strict Content-Security-Policy — no 'unsafe-eval', no inline script or style — so the page
// runs as on a locked-down site and fluxion uses its eval-free interpreter. WebAssembly is
// allowed ('wasm-unsafe-eval': compiling a module is not evaluating JavaScript). A request with
// ?codegen=allow gets the same policy plus 'unsafe-eval' (the page passes its query on to the
// worker's script, whose own response sets the worker's policy), so fluxion generates kernels.

import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
  ".bin": "application/octet-stream",
};

/** The policy for a request: strict (WebAssembly allowed), plus 'unsafe-eval' when its query asks. */
export function contentSecurityPolicy(allowCodegen: boolean): string {
  const script = allowCodegen ? "'self' 'wasm-unsafe-eval' 'unsafe-eval'" : "'self' 'wasm-unsafe-eval'";
  return `default-src 'self'; script-src ${script}; worker-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'`;
}

/** Serves `root` on 127.0.0.1:`port` (0: any free port); resolves with its URL and a close function. */
export async function serveDemo(root: string, port = 0): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const headers = {
      "content-security-policy": contentSecurityPolicy(url.searchParams.get("codegen") === "allow"),
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
    };
    const file = normalize(join(base, decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname)));
    const type = TYPES[extname(file)];
    if ((request.method !== "GET" && request.method !== "HEAD") || !file.startsWith(base + sep) || type === undefined || !(await stat(file).catch(() => undefined))?.isFile()) {
      response.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, { ...headers, "content-type": type }).end(request.method === "HEAD" ? undefined : await readFile(file));
  });
  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}/`;
  return { url, server, close: () => new Promise((done) => server.close(() => done())) };
}
