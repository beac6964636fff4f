// The demo's static server: files of its folder only, the strict CSP on every response (which
// allows WebAssembly, not JavaScript eval), and 'unsafe-eval' added only when the query asks for
// code generation.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveDemo } from "../../scripts/serve-demo.js";

/** A raw GET (no URL normalisation, unlike fetch): status, headers, body. */
function get(url: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const { hostname, port } = new URL(url);
    request({ hostname, port, path }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => done({ status: res.statusCode!, headers: res.headers, body }));
    }).on("error", fail).end();
  });
}

describe("serveDemo", () => {
  let root: string;
  let site: Awaited<ReturnType<typeof serveDemo>>;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "fluxion-serve-"));
    mkdirSync(join(root, "site"));
    writeFileSync(join(root, "site/index.html"), "<!doctype html><p>hi</p>");
    writeFileSync(join(root, "site/worker.js"), "postMessage(1);");
    writeFileSync(join(root, "secret.js"), "outside");
    site = await serveDemo(join(root, "site"));
  });
  afterAll(async () => {
    await site.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("binds 127.0.0.1 and serves the folder's files with their types", async () => {
    expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(site.url, "/");
    expect([page.status, page.headers["content-type"], page.body]).toEqual([200, "text/html; charset=utf-8", "<!doctype html><p>hi</p>"]);
    expect((await get(site.url, "/worker.js")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
  });

  it("sends the strict CSP (no 'unsafe-eval', no inline code; WebAssembly allowed), and 'unsafe-eval' only with ?codegen=allow", async () => {
    const strict = String((await get(site.url, "/worker.js")).headers["content-security-policy"]);
    expect(strict).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval';/);
    expect(strict).not.toMatch(/'unsafe-eval'|unsafe-inline|unsafe-hashes/);
    const allow = String((await get(site.url, "/worker.js?codegen=allow")).headers["content-security-policy"]);
    expect(allow).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval';/);
    expect(allow).not.toMatch(/unsafe-inline/);
    expect(String((await get(site.url, "/worker.js?codegen=off")).headers["content-security-policy"])).toBe(strict);
  });

  it("serves nothing outside its folder, nor unknown types, nor missing files", async () => {
    for (const path of ["/../secret.js", "/%2e%2e/secret.js", "/..%2fsecret.js", "/missing.js", "/index.php"]) {
      const r = await get(site.url, path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.body).not.toContain("outside");
      expect(r.headers["content-security-policy"]).toBeDefined();
    }
  });
});
