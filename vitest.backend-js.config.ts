// The kernels' part of the suite on the JavaScript kernels (WebAssembly off):
// `npm run test:js-backend`. The default run (vitest.config.ts) uses WebAssembly SIMD where
// available ("auto"); CI runs both, so every property and compiler test passes on either path.
// (Built from the base config's test options, not merged with them: merging would append this
// include list to the base's, running the whole suite again.)
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  test: {
    ...base.test,
    include: ["props/**/*.test.ts", "test/compile/**/*.test.ts", "test/wasm-*.test.ts", "test/{conv,linalg,pool,semantics,vmap,autodiff}.test.ts"],
    exclude: ["test/compile/memory-bound.test.ts"],
    typecheck: { enabled: false },
    env: { FLUXION_BACKEND: "js" },
    setupFiles: ["test/wasm-backend-setup.ts"],
  },
});
