/**
 * The files `bootlog init` writes. `ext` is "ts" in an ES-module package and "mts" otherwise, so
 * the files are ES modules (top-level await, `import … from "bootlog"`) without changing what the
 * project's own .ts files are.
 */

export const debianBoot =
  () => `import { busyboxInitrd, debianKernel, defineBoot, linuxPanics, shellMilestones } from "bootlog";

/**
 * Debian's arm64 kernel booted directly by QEMU (no firmware, no Xen) into a busybox shell. It
 * passes as generated: copy it to start your own (README: "An expectation").
 */
export default defineBoot({
  name: "debian-arm64-linux",
  description: "Debian's Linux booted directly by QEMU on arm64 virt",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: { kernel: debianKernel("arm64"), initrd: busyboxInitrd() },
  boot: { linux: "console=ttyAMA0 rdinit=/init" },
  milestones: [
    { id: "linux-banner", match: /Linux version \\d+\\.\\d+/, within: "30s" },
    { id: "run-init", match: "Run /init as init process" },
    ...shellMilestones("arm64"),
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "120s",
});
`;

export const userImageBoot = () => `import { busyboxInitrd, defineBoot, linuxPanics, userImage } from "bootlog";

/**
 * Your own kernel: set MY_KERNEL to an arm64 Image (\`MY_KERNEL=build/Image npx bootlog run my-kernel\`),
 * or write \`userImage({ path: "../build/Image" })\` (a path here is from this file). While
 * MY_KERNEL is unset the boot is skipped, not failed.
 */
export default defineBoot({
  name: "my-kernel",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: { kernel: userImage({ env: "MY_KERNEL" }), initrd: busyboxInitrd() },
  boot: { linux: "console=ttyAMA0 rdinit=/init" },
  milestones: [
    { id: "linux-banner", match: /Linux version/, within: "30s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "shell", match: "/ # " },
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "120s",
});
`;

export const bootsTest = () => `import { bootTests } from "bootlog/vitest";

// One describe block per expectation in expectations/, one test per milestone: \`npx vitest run -t my-kernel\`.
await bootTests();
`;

export const vitestConfig = (ext: string) => `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.${ext}"],
    // A boot takes seconds to minutes under TCG; bootlog sets each boot's own time limit.
    testTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "junit"],
    outputFile: { junit: "artifacts/vitest-junit.xml" },
  },
});
`;

export const tsconfig = () => `${JSON.stringify(
  {
    compilerOptions: {
      module: "nodenext",
      target: "es2023",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      moduleDetection: "force",
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      types: [],
    },
    include: ["expectations", "tests", "*.ts", "*.mts"],
  },
  null,
  2,
)}
`;

export const gitignore = () => `node_modules/
# bootlog's run directories (serial.log, timeline.json, junit.xml per boot)
artifacts/
`;

export const workflow =
  () => `# Boots every expectation in expectations/, one shard each: nightly, by hand, and on changes.
# Made by \`bootlog init\`. Each step runs the same on a Debian 12 machine, as root:
#   npm ci && npx bootlog setup-host && npx bootlog run NAME
# Your own images: put their build in scripts/build-images.sh (run before the boots when it exists).
name: boots

on:
  schedule:
    - cron: "23 3 * * *"
  workflow_dispatch:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

concurrency:
  group: boots-\${{ github.ref }}
  cancel-in-progress: \${{ github.event_name == 'pull_request' }}

env:
  NO_COLOR: "1"

jobs:
  plan:
    name: list expectations
    runs-on: ubuntu-latest
    container: debian:bookworm
    outputs:
      expectations: \${{ steps.list.outputs.expectations }}
    steps:
      - name: git for actions/checkout
        run: apt-get update -q && apt-get install -y -q --no-install-recommends git ca-certificates
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          cache: npm
      - run: npm ci
      - name: bootlog list --json
        id: list
        run: |
          {
            echo "expectations<<BOOTLOG_EOF"
            npx bootlog list --json
            echo "BOOTLOG_EOF"
          } >> "$GITHUB_OUTPUT"

  boot:
    name: boot \${{ matrix.expectation.name }}
    needs: plan
    if: \${{ needs.plan.outputs.expectations != '[]' }}
    runs-on: ubuntu-latest
    container: debian:bookworm
    timeout-minutes: 30
    permissions:
      contents: read
      checks: write # the JUnit check
    strategy:
      fail-fast: false
      matrix:
        # One shard per row of \`bootlog list --json\` ({name, arch, firmware, knownBad, tags, file}).
        expectation: \${{ fromJSON(needs.plan.outputs.expectations) }}
    env:
      EXPECTATION: \${{ matrix.expectation.name }}
    steps:
      - name: git for actions/checkout
        run: apt-get update -q && apt-get install -y -q --no-install-recommends git ca-certificates
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          cache: npm
      - run: npm ci
      # QEMU for the architectures the expectations use, U-Boot only if one boots through it.
      - name: Host packages
        run: npx bootlog setup-host
      - name: Build your images
        if: \${{ hashFiles('scripts/build-images.sh') != '' }}
        run: bash scripts/build-images.sh
      - name: Package versions of the images (cache key)
        run: npx bootlog export packages "$EXPECTATION" --out .bootlog-packages.txt
      - name: Image cache
        uses: actions/cache@v4
        with:
          path: ~/.cache/bootlog
          key: bootlog-images-\${{ matrix.expectation.name }}-\${{ hashFiles('.bootlog-packages.txt') }}
          restore-keys: |
            bootlog-images-\${{ matrix.expectation.name }}-
      - name: Boot
        run: npx bootlog run "$EXPECTATION" --retries 1
      - name: HTML report
        if: \${{ !cancelled() }}
        run: npx bootlog report
      - name: JUnit check
        if: \${{ !cancelled() && hashFiles('artifacts/latest/junit.xml') != '' }}
        uses: mikepenz/action-junit-report@v5
        with:
          report_paths: artifacts/latest/junit.xml
          check_name: bootlog \${{ matrix.expectation.name }}
          include_passed: true
      - name: Upload the run (serial logs, JUnit, timeline, report.html)
        if: \${{ !cancelled() }}
        uses: actions/upload-artifact@v4
        with:
          name: bootlog-\${{ matrix.expectation.name }}
          path: artifacts/latest/
          if-no-files-found: warn
          retention-days: 30
`;
