import { describe, expect, test } from "vitest";
import { loadAllExpectations, selectExpectations } from "../../harness/expectations/loader.ts";
import { bootsOnce } from "../helpers/boot.ts";
import { streamBootSuite } from "../helpers/stream-boots.ts";

// Xen's own CI jobs that Debian's packages can run (expectations/xen-ci/), each booted once.
// Those tagged "nightly" take over a minute alone: the nightly workflow boots them (it runs
// every expectation), and this file only with BOOTLOG_BOOT_NIGHTLY=1, so `npm test` stays short.
const CONSOLE: Record<string, string[]> = {
  "xen-ci-qemu-smoke-dom0-arm64": ["=> booti 0x49000000", "[guest] guest up: 6.1.0-", "Domain-0"],
  "xen-ci-qemu-smoke-dom0less-arm64-gicv3": ["=> booti 0x49000000", "] DOM1: gicv3 test passed"],
  "xen-ci-qemu-smoke-dom0less-arm64-staticheap": ["xen,static-heap", "] DOM1: static-heap test passed"],
  "xen-ci-qemu-alpine-x86_64": ["[guest] guest up: 6.1.0-", "Domain-0"],
  "xen-ci-qemu-smoke-dom0-arm32": ["=> bootz 0x49000000", "[guest] guest up: 6.1.0-", "Domain-0"],
  "xen-ci-qemu-smoke-dom0less-arm32": ["=> bootz 0x49000000", "] DOM1: generic test passed"],
  "xen-ci-qemu-smoke-dom0less-arm32-without-dom0": ["] DOM1: without-dom0 test passed"],
};

const nightly = process.env.BOOTLOG_BOOT_NIGHTLY === "1";
// The jobs that need a Xen built with other options (expectations/xen-source/) boot in xen-ci-source.test.ts,
// those with networking between domains in xen-ci-network.test.ts.
const all = selectExpectations(await loadAllExpectations(), [], ["xen-ci"]).filter(
  (e) => e.images.xen?.kind !== "xen-source" && !e.tags.includes("network"),
);
for (const exp of all.filter((e) => nightly || !e.tags.includes("nightly"))) {
  if (exp.knownBad) {
    // A job Debian's Xen fails: it must fail exactly as recorded (and turn XPASS once fixed).
    describe(exp.name, () => {
      const result = bootsOnce(exp);
      test("reproduces its known-bad symptom", () => {
        const r = result();
        expect(r.knownBad?.judgement?.status, r.summary).toBe("reproduced");
      });
    });
    continue;
  }
  const carries = CONSOLE[exp.name];
  if (!carries) throw new Error(`tests/boot/xen-ci.test.ts: say what ${exp.name}'s console must carry`);
  await streamBootSuite(exp.name, carries);
}
