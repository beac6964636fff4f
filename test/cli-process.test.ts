// fluxion as a real process: exit codes and the streams a shell sees, Ctrl-C during training
// (exit 130 with the run's files written), and the built `bin/fluxion.js` launcher.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` in the repository; `onStdout` may act on the output so far (send a signal). */
function node(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CI: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const cli = (...args: string[]) => ["--import", "tsx", "src/cli/main.ts", ...args];

describe("fluxion as a process", () => {
  it("a usage error exits with 2, the message on stderr and nothing on stdout", async () => {
    const r = await node(cli("train", "--batch-size", "-3"));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe('fluxion train: --batch-size: expected a positive integer, got "-3"');
  });

  it("Ctrl-C stops training after the current step, writes the run's files and exits with 130", async () => {
    const out = mkdtempSync(join(tmpdir(), "fluxion-sigint-"));
    dirs.push(out);
    let sent = false;
    const r = await node(cli("train", "--model", "mlp", "--hidden", "16", "--train-size", "256", "--test-size", "64", "--epochs", "500", "--progress", "lines", "--out", out), (text, child) => {
      // Once an epoch has finished, fit is running and listening for SIGINT.
      if (!sent && text.includes("epoch 1/500")) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(130);
    expect(r.stdout).toContain("interrupted (Ctrl-C): stopped after the current step");
    expect(r.stdout).toMatch(/test accuracy \d+\.\d\d% \(loss \d+\.\d{4}\)\n$/);
    const history = JSON.parse(readFileSync(join(out, "history.json"), "utf8")) as unknown[];
    expect(history.length).toBeGreaterThanOrEqual(1);
    expect(history.length).toBeLessThan(500);
    expect(existsSync(join(out, "checkpoint.safetensors"))).toBe(true);
  });

  it("bin/fluxion.js runs the built CLI (npm run build makes dist/)", async (ctx) => {
    if (!existsSync(join(root, "dist", "cli", "main.js"))) {
      ctx.skip("dist/cli/main.js is missing: run npm run build (CI does before the tests)");
    }
    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
    const v = await node(["bin/fluxion.js", "--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`${version}\n`);
    const typo = await node(["bin/fluxion.js", "evaluate", "--chekpoint", "x"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr.split("\n")[0]).toBe("fluxion evaluate: unknown flag --chekpoint; did you mean --checkpoint?");
  });
});
