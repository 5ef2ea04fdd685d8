import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Boot tests start real QEMU: a boot takes seconds to a minute under TCG.
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: "forks",
    // One fork per core: each boot is one QEMU using about one core.
    maxWorkers: 2,
    reporters: ["default", "junit"],
    outputFile: { junit: "artifacts/vitest-junit.xml" },
  },
});
