// The whole suite on the JavaScript kernels (WebAssembly off): `npm run test:js-backend`.
// The default run (vitest.config.ts) uses WebAssembly SIMD where available ("auto"); CI runs both.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      env: { FLUXION_BACKEND: "js" },
      setupFiles: ["test/wasm-backend-setup.ts"],
    },
  }),
);
