import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";
import { defaultLanes } from "./harness/runner/lanes.ts";

// Boot test files run side by side as far as bootlog's own default lanes go (harness/runner/lanes.ts:
// two on a 2-core host); the other files (fake QEMU, replays, lint) use every core. The tests that
// load the host on purpose run alone, after everything else.
const BOOT_TESTS = "tests/boot/**/*.test.ts";
const ALONE = ["tests/boot/busy-host.test.ts", "tests/hardening/starved-windows.test.ts"];

// Every boot the suite starts, one JSON line each, for bench/suite-table.ts (which file booted
// what, how long, how often the same configuration): a fresh file per `vitest run`.
// vitest reads this file again before a later group of projects (sequence.groupOrder): only the first time starts the trace.
if (!process.env.BOOTLOG_BOOT_TRACE) {
  process.env.BOOTLOG_BOOT_TRACE = resolve("artifacts/boot-trace.jsonl");
  rmSync(process.env.BOOTLOG_BOOT_TRACE, { force: true });
}

export default defineConfig({
  test: {
    // Boot tests start real QEMU: a boot takes seconds to a minute under TCG.
    testTimeout: 60_000,
    // A boot file's beforeAll prepares its images: from a cold cache an x86_64 toolstack image and
    // its boot took 212 s (2 cores, this round's cold run), too near 240 s for a slower machine.
    hookTimeout: 600_000,
    pool: "forks",
    setupFiles: ["tests/helpers/trace-label.ts"],
    // vitest runs the projects of one group (sequence.groupOrder) in one pool: its size is the
    // boot files' lanes, and unit files fill what boot files leave.
    maxWorkers: defaultLanes([2]),
    reporters: ["default", "junit"],
    outputFile: { junit: "artifacts/vitest-junit.xml" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, BOOT_TESTS, ...ALONE],
        },
      },
      {
        extends: true,
        test: {
          name: "boot",
          sequence: { groupOrder: 0 },
          include: [BOOT_TESTS],
          exclude: [...configDefaults.exclude, ...ALONE],
        },
      },
      { extends: true, test: { name: "boot-alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
