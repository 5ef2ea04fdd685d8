import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";
import { defaultLanes } from "./harness/runner/lanes.ts";

// Boot test files run side by side only as far as bootlog's own default lanes go (cores / the
// machines' 2 vCPUs: one on a 2-core host), so a boot test never starves another's QEMU; the
// other files (fake QEMU, replays, lint) use every core.
const BOOT_TESTS = "tests/boot/**/*.test.ts";

export default defineConfig({
  test: {
    // Boot tests start real QEMU: a boot takes seconds to a minute under TCG.
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: "forks",
    maxWorkers: availableParallelism(),
    reporters: ["default", "junit"],
    outputFile: { junit: "artifacts/vitest-junit.xml" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["tests/**/*.test.ts"], exclude: [...configDefaults.exclude, BOOT_TESTS] },
      },
      { extends: true, test: { name: "boot", include: [BOOT_TESTS], maxWorkers: defaultLanes([2]) } },
    ],
  },
});
