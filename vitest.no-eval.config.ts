// The part of the suite that runs where generating code from strings is forbidden (as under a
// strict Content-Security-Policy): `npm run test:no-eval`. The workers start with
// --disallow-code-generation-from-strings, so fluxion detects it and runs the reference kernels.
// Left out: tests that compile kernels directly, check which kernels fusion made, read generated
// source (explain), or count allocations of compiled kernels.

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/*.test.ts",
      "test/compile/{eager,memory,no-codegen,passes}.test.ts",
      "props/{grad,reductions,broadcasting,trace-interpret}.test.ts",
    ],
    // readme-claims runs the demo in a child process of its own (codegen allowed): once is enough.
    // package and readme-example build, pack and install in child processes of their own: once is enough.
    // wasm-backend checks which compiled kernel (JS or WebAssembly) jit picks: no compiled kernels here.
    exclude: ["test/readme-claims.test.ts", "test/package.test.ts", "test/readme-example.test.ts", "test/wasm-backend.test.ts"],
    execArgv: ["--disallow-code-generation-from-strings"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
