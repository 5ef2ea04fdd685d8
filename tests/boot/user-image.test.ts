import { beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { prepareImages } from "../../harness/images/prepare.ts";
import { machineArgs } from "../../harness/machines/plan.ts";
import { qemuFor } from "../../harness/machines/qemu.ts";
import type { Expectation } from "../../harness/expectations/loader.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import { bootsOnce, expectationNamed, milestoneTests, testRunDir } from "../helpers/boot.ts";
import { buildWrapperImage, WRAPPER_BANNER } from "../helpers/wrapper-image.ts";
import { bootlog } from "../helpers/cli.ts";

const example = await expectationNamed("boot-wrapper-xen");
const dir = testRunDir("wrapper-image");
const image = join(dir, "xen-system.axf");
/** The same image with an old guide's Xen console setting: the wrapper's banner, then silence forever. */
const brokenImage = join(dir, "xen-system-old-dtuart.axf");
const OLD_DTUART = "console=dtuart dtuart=/pl011,0x09000000 dom0_mem=512M";

/** The parts come from the arm64-xen-dom0 boot: Debian's Xen and kernel, the busybox initramfs. */
async function buildImageFromParts(out: string, xenArgs?: string): Promise<void> {
  const parts = await expectationNamed("arm64-xen-dom0");
  const { images } = await prepareImages(parts);
  await buildWrapperImage(
    {
      qemu: await qemuFor("aarch64"),
      machineArgs: machineArgs(example),
      xen: images.xen!.path,
      kernel: images.kernel!,
      initrd: images.initrd!,
      bootargs: { xen: xenArgs ?? parts.boot!.xen!, linux: parts.boot!.linux! },
    },
    out,
  );
}

describe("boot-wrapper-xen with a user image the test builds from Debian's Xen, Linux and busybox", () => {
  beforeAll(() => buildImageFromParts(image));
  const result = bootsOnce(example, { imageOverrides: { image } });
  milestoneTests(example, result);

  test("the console shows the wrapper's banner, then Xen, then a dom0 shell", () => {
    const r = result();
    expect(r.outcome, r.summary).toBe("pass");
    expect(readFileSync(r.serialLog, "latin1")).toContain(WRAPPER_BANNER.trim());
    expect(r.qemu.argv).toEqual(expect.arrayContaining(["-kernel", resolve(image)]));
  });

  test("once fixed, the story's known-bad would be flagged: XPASS", () => {
    const judgement = judgeKnownBad(
      { outcome: "hang", after: "boot-wrapper", reason: "Xen silent" },
      result().verdict!,
    );
    expect(judgement.status).toBe("xpass");
    expect(judgement.message).toMatch(/^known-bad boot now passes; remove knownBad/);
  });
});

// The story bootlog was written for: "Boot-wrapper v0.2", then nothing, forever.
describe("boot-wrapper-xen that hangs after the wrapper's banner, tracked as known-bad", () => {
  const tracked: Expectation = {
    ...example,
    knownBad: {
      outcome: "hang",
      after: "boot-wrapper",
      reason: "old dtuart syntax: Xen has no console",
      tracking: "story",
    },
  };
  beforeAll(() => buildImageFromParts(brokenImage, OLD_DTUART));
  const result = bootsOnce(tracked, { imageOverrides: { image: brokenImage } });

  test('is called a hang after "boot-wrapper" within seconds of the silence, naming the last line', () => {
    const r = result();
    // ... and the post-mortem finds why in Xen's console ring, with the vCPUs in Xen (EL2) or in the dom0 it went on to start.
    expect(r.summary).toMatch(
      /^KNOWN-BAD HANG after "boot-wrapper": silent 15\.\d s, last line "Boot-wrapper v0\.2 \(bootlog test image\)" — memory shows \(XEN\) Bad console= option 'dtuart'; \(XEN\) Unable to find device "\/pl011,0x09000000"(; vCPU\d (EL2 Xen|EL1 dom0 kernel|EL0 dom0 user space)){2}( \(host busy: waited [\d.]+ s\))?$/,
    );
    const bannerAt = r.milestones[0]!.at!;
    expect(r.verdict!.at - bannerAt).toBeGreaterThanOrEqual(tracked.silenceS);
    expect(r.verdict!.at - bannerAt).toBeLessThanOrEqual(tracked.silenceS + 1);
  });

  test("JUnit records it as a known-bad skip; the whole log is kept", () => {
    const r = result();
    expect(r.ok).toBe(true);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(r.dir, "junit.xml"), "utf8"))
      .testsuites.testsuite;
    const pending = suite.testcase.find((t: Record<string, string>) => t["@_name"] === "xen-banner");
    expect(pending.skipped["@_message"]).toBe(
      "known-bad: hang after boot-wrapper (old dtuart syntax: Xen has no console)",
    );
    expect(readFileSync(r.serialLog, "latin1")).toBe(WRAPPER_BANNER);
  });
});

describe("boot-wrapper-xen without an image", () => {
  test("is skipped with a message naming the variable and the flag", async () => {
    delete process.env.BOOTLOG_BOOTWRAPPER_IMAGE;
    const r = await runBoot(example, { listeners: [bootFiles], runDir: testRunDir("wrapper-unset") });
    expect(r.outcome).toBe("skip");
    expect(r.ok).toBe(true);
    expect(r.error).toMatch(/BOOTLOG_BOOTWRAPPER_IMAGE.*not set.*--image image=PATH/);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(r.dir, "junit.xml"), "utf8"))
      .testsuites.testsuite;
    expect(Number(suite["@_skipped"])).toBe(example.milestones.length);
  });

  test("a missing file is infra, named", async () => {
    const r = await runBoot(example, {
      listeners: [bootFiles],
      runDir: testRunDir("wrapper-missing"),
      imageOverrides: { image: "/nonexistent/xen-system.axf" },
    });
    expect(r.outcome).toBe("infra");
    expect(r.error).toMatch(/images\.image: no such file \/nonexistent\/xen-system\.axf/);
  });

  test("bootlog run says so and exits 0", async () => {
    const run = await bootlog(["run", "boot-wrapper-xen", "--artifacts", testRunDir("wrapper-cli")], {
      BOOTLOG_BOOTWRAPPER_IMAGE: "",
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/boot-wrapper-xen: SKIP: .*BOOTLOG_BOOTWRAPPER_IMAGE/);
  });
});
