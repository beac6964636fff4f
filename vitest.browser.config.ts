// The browser tests (npm run test:browser): the demo page in headless Chromium, driven by
// playwright-core. Kept out of `npm test` (test/browser/*.e2e.ts do not match its *.test.ts).

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.e2e.ts"],
    testTimeout: 150_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
