/**
 * The Xen CI expectations' plumbing without booting: behind U-Boot the machine loads each
 * dom0less domU's images and the typed `fdt` commands name exactly where and how large they are;
 * the milestone helpers put Xen CI's pass line where it belongs. The boots themselves are in
 * tests/boot/xen-ci.test.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ubootXenMilestones, withAfter, xenStreamMilestones } from "../../harness/expectations/index.ts";
import { EXPECTATIONS_DIR, loadExpectationFile, type Expectation } from "../../harness/expectations/loader.ts";
import type { SendContext } from "../../harness/expectations/schema.ts";
import { ubootDomUCommands } from "../../harness/expectations/uboot-dom0less.ts";
import type { PreparedImages } from "../../harness/images/prepare.ts";
import { planMachine } from "../../harness/machines/plan.ts";
import { qemuFor } from "../../harness/machines/qemu.ts";
import { parseVcpus } from "../../harness/postmortem/vcpus.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bootlog-xen-ci-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fakeImages(roles: Record<string, number>): Promise<PreparedImages> {
  const images: PreparedImages["images"] = {};
  for (const [role, size] of Object.entries(roles)) {
    const path = join(dir, `${role}.img`);
    await writeFile(path, Buffer.alloc(size));
    images[role] = { path, size, sizeHex: size.toString(16), sha256: "0".repeat(64) };
  }
  return { images, packages: [], built: [] };
}

/** The text each U-Boot command milestone types, in order. */
function typed(exp: Expectation, ctx: SendContext): string[] {
  return exp.milestones
    .filter((m) => m.match === "=> " && m.send)
    .map((m) => (typeof m.send === "function" ? m.send(ctx) : m.send!).trimEnd());
}

describe("dom0less behind U-Boot (xen-ci/qemu-smoke-dom0less-arm64-gicv3)", () => {
  test("the machine loads the domU's initramfs and the typed fdt commands describe it where it lies", async () => {
    const exp = await loadExpectationFile(join(EXPECTATIONS_DIR, "xen-ci/qemu-smoke-dom0less-arm64-gicv3.ts"));
    const prepared = await fakeImages({ xen: 0x1000, kernel: 0x2000, initrd: 0x3000, "guest-initrd": 0x4567 });
    const plan = await planMachine(exp, prepared, await qemuFor(exp.machine.arch));
    const loaders = plan.argv.filter((a) => a.startsWith("loader,"));
    expect(loaders).toEqual([
      `loader,file=${prepared.images.xen!.path},addr=0x49000000`,
      `loader,file=${prepared.images.kernel!.path},addr=0x50000000`,
      `loader,file=${prepared.images.initrd!.path},addr=0x54000000`,
      `loader,file=${prepared.images["guest-initrd"]!.path},addr=0x58000000`,
    ]);
    const commands = typed(exp, plan.sendContext);
    expect(commands).toContain('fdt set /chosen/domU1 compatible "xen,domain"');
    expect(commands).toContain("fdt set /chosen/domU1 memory <0x0 0x40000>"); // 256 MiB in KiB
    // The domU shares dom0's kernel: one copy in RAM, two modules pointing at it.
    expect(commands).toContain("fdt set /chosen/module@0 reg <0x0 0x50000000 0x0 0x2000>");
    expect(commands).toContain("fdt set /chosen/domU1/module@0 reg <0x0 0x50000000 0x0 0x2000>");
    expect(commands).toContain("fdt set /chosen/domU1/module@1 reg <0x0 0x58000000 0x0 0x4567>");
    expect(commands.at(-1)).toBe("booti 0x49000000 - 0x40000000");
  });

  test("two domUs: nodes made last first (fdt mknod puts a node before its siblings), each image in its own slot", () => {
    const domUs = [
      { kernel: "k1", initrd: "i1", memory: "128M" },
      { kernel: "k1", initrd: "i2", memory: "1G", cpus: 2, vpl011: false },
    ];
    const ctx: SendContext = {
      k1: { path: "k1", size: 16, sizeHex: "10", addr: "0x58000000" },
      i1: { path: "i1", size: 32, sizeHex: "20", addr: "0x5c000000" },
      i2: { path: "i2", size: 48, sizeHex: "30", addr: "0x60000000" },
    };
    const text = ubootDomUCommands(domUs).map((c) => (typeof c === "function" ? c(ctx) : c));
    expect(text.filter((c) => c.startsWith("fdt mknod /chosen domU"))).toEqual([
      "fdt mknod /chosen domU2",
      "fdt mknod /chosen domU1",
    ]);
    expect(text).toContain("fdt set /chosen/domU2 memory <0x0 0x100000>");
    expect(text).toContain("fdt set /chosen/domU2 cpus <0x2>");
    expect(text).not.toContain("fdt set /chosen/domU2 vpl011");
    expect(text).toContain("fdt set /chosen/domU1 vpl011");
    expect(text).toContain("fdt set /chosen/domU2/module@1 reg <0x0 0x60000000 0x0 0x30>");
    expect(text).toContain("fdt set /chosen/domU1 \\#address-cells <0x2>");
  });

  test("a domU image the machine did not load is named, not typed as a wrong address", () => {
    const ctx: SendContext = { kernel: { path: "k", size: 1, sizeHex: "1", addr: "0x50000000" } };
    const [kernelReg, initrdReg] = ubootDomUCommands([{ initrd: "lost", memory: "128M" }]).filter(
      (c) => typeof c === "function",
    );
    expect(kernelReg!(ctx)).toBe("fdt set /chosen/domU1/module@0 reg <0x0 0x50000000 0x0 0x1>");
    expect(() => initrdReg!(ctx)).toThrow(/image "lost" was not loaded/);
  });

  test("without dom0 no dom0 modules are described", () => {
    const typedText = ubootXenMilestones({ xen: "console=dtuart", domUs: [{ memory: "128M" }] })
      .map((m) => m.description ?? "")
      .filter(Boolean);
    expect(typedText.some((c) => c.includes("xen,dom0-bootargs") || c.startsWith("fdt mknod /chosen module@"))).toBe(
      false,
    );
    expect(typedText).toContain("fdt mknod /chosen domU1");
  });
});

describe("Xen CI milestone helpers", () => {
  test("Xen's lines match with and without console_timestamps=boot", () => {
    const [banner, , , freed] = xenStreamMilestones({ dom0: true, domUs: 1 });
    for (const line of [
      "Xen version 4.17.7 (Debian 4.17.7)",
      "[    0.004512] Xen version 4.17.7 (Debian 4.17.7)",
      "[000000003cf77d81] Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1)",
    ])
      expect((banner!.match as RegExp).test(line), line).toBe(true);
    expect((freed!.match as RegExp).test("[   12.345678] Freed 368kB init memory.")).toBe(true);
    expect((banner!.match as RegExp).test("DOM1: Xen version 4.17")).toBe(false);
  });

  test("withAfter puts a stricter check in its place, and names a missing anchor", () => {
    const ids = withAfter(xenStreamMilestones({ dom0: true, domUs: 0 }), "xen-banner", { id: "x", match: "x" }).map(
      (m) => m.id,
    );
    expect(ids).toEqual(["xen-banner", "x", "xen-dom0-loading", "xen-freed-init"]);
    expect(() => withAfter([], "nope", { id: "x", match: "x" })).toThrow(/no milestone "nope"/);
  });
});

describe("arm32 machine kind", () => {
  test("qemu-system-arm virt with the virtualization extensions, Debian's qemu_arm U-Boot, Xen loaded for bootz", async () => {
    const exp = await loadExpectationFile(join(EXPECTATIONS_DIR, "xen-ci/qemu-smoke-dom0less-arm32-without-dom0.ts"));
    const prepared = await fakeImages({ xen: 0x1000, "guest-kernel": 0x2000, "guest-initrd": 0x3000 });
    const qemu = await qemuFor(exp.machine.arch);
    expect(qemu.binary).toBe("qemu-system-arm");
    const plan = await planMachine(exp, prepared, qemu);
    expect(plan.machine).toEqual([
      "-machine",
      "virt,gic-version=2,virtualization=on",
      "-cpu",
      "cortex-a15",
      "-m",
      "2G",
      "-smp",
      "2",
    ]);
    expect(plan.argv).toContain("/usr/lib/u-boot/qemu_arm/u-boot.bin");
    // No dom0: only Xen at its fixed address, the domU's kernel and initramfs in the first two slots.
    expect(plan.argv.filter((a) => a.startsWith("loader,")).map((a) => a.replace(/file=[^,]*,/, ""))).toEqual([
      "loader,addr=0x49000000",
      "loader,addr=0x58000000",
      "loader,addr=0x5c000000",
    ]);
    const commands = typed(exp, plan.sendContext);
    expect(commands.some((c) => c.includes("xen,dom0-bootargs"))).toBe(false);
    expect(commands).toContain("fdt set /chosen/domU1/module@0 reg <0x0 0x58000000 0x0 0x2000>");
    expect(commands.at(-1)).toBe("bootz 0x49000000 - 0x40000000");
    expect(exp.tags).toEqual(expect.arrayContaining(["arm", "armhf"]));
  });

  test("an arm32 vCPU's mode says whose code it runs: hyp is Xen, svc the kernel", () => {
    const registers = [
      "CPU#0",
      "R00=00000000 R01=00000000 R02=00000000 R03=00000000",
      "R12=00000000 R13=00000000 R14=00000000 R15=0022a4c8",
      "PSR=600001da -ZC- A NS hyp32",
      "CPU#1",
      "R00=00000000 R01=00000000 R02=00000000 R03=00000000",
      "R12=00000000 R13=c1601f58 R14=c010a2c4 R15=c0f0b5c8",
      "PSR=600001d3 -ZC- A NS svc32",
    ].join("\n");
    const states = parseVcpus(registers, { arch: "arm", xen: true, loads: [] });
    expect(states.map((s) => [s.level, s.owner])).toEqual([
      ["EL2", "Xen"],
      ["EL1", "the dom0 kernel"],
    ]);
  });
});
