import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "props/**/*.test.ts"],
    // Type tests: test/types/*.test-d.ts are type-checked (not run) with their own tsconfig; a
    // wrong expectTypeOf or an unused @ts-expect-error fails `npm test`.
    typecheck: {
      enabled: true,
      include: ["test/types/**/*.test-d.ts"],
      tsconfig: "./test/types/tsconfig.json",
    },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
