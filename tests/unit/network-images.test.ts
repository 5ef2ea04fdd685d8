/**
 * The images networking between domains needs (issue 23, Xen CI's qemu-smoke-dom0less-arm64),
 * without booting: kernel modules found with the modules they depend on and loaded in order,
 * Debian package files picked by glob, a busybox initramfs carrying modules, and a domU marked
 * `xen,enhanced` in both the direct and the U-Boot device tree. The boot is
 * tests/boot/xen-ci-network.test.ts.
 */
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { loadExpectationFile, EXPECTATIONS_DIR } from "../../harness/expectations/loader.ts";
import { bootSchema } from "../../harness/expectations/schema.ts";
import { ubootDomUCommands } from "../../harness/expectations/uboot-dom0less.ts";
import { patchedDtb } from "../../harness/images/dtb.ts";
import { buildInitramfs, initScript } from "../../harness/images/initramfs.ts";
import { insmodLines, loadOrder, modinfoDepends, moduleName } from "../../harness/images/kernel-modules.ts";
import { packagePaths, toolstackInitScript } from "../../harness/images/toolstack.ts";
import { domUPatches } from "../../harness/machines/dom0less.ts";
import { qemuFor } from "../../harness/machines/qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-network-images-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module's bytes as the kernel build leaves them: ELF noise, then .modinfo's NUL-separated key=value strings. */
const ko = (...modinfo: string[]) =>
  Buffer.concat([Buffer.from("\x7fELF\0\0srcversion_depends=not-this\0"), Buffer.from(`${modinfo.join("\0")}\0`)]);

describe("kernel modules out of Debian's kernel package", () => {
  test("a module's depends come from its .modinfo entry, named as the kernel names modules", () => {
    expect(modinfoDepends(ko("license=GPL", "depends=llc,stp", "vermagic=6.1.0-57-arm64 SMP"))).toEqual(["llc", "stp"]);
    expect(modinfoDepends(ko("depends=virtio_pci_modern_dev,virtio-pci-legacy-dev"))).toEqual([
      "virtio_pci_modern_dev",
      "virtio_pci_legacy_dev",
    ]);
    // An empty entry (xen-netfront's) and none at all: nothing to load first.
    expect(modinfoDepends(ko("depends=", "name=xen_netfront"))).toEqual([]);
    expect(modinfoDepends(ko("name=x"))).toEqual([]);
    expect(moduleName("xen-netback.ko")).toBe("xen_netback");
  });

  test("load order puts every module after those it depends on, once each; a cycle is named", () => {
    const depends = new Map([
      ["bridge", ["llc", "stp"]],
      ["stp", ["llc"]],
      ["llc", []],
      ["virtio_net", ["net_failover"]],
      ["net_failover", ["failover"]],
      ["failover", []],
    ]);
    const order = loadOrder(["virtio_net", "bridge", "stp"], depends);
    expect(order).toEqual(["failover", "net_failover", "virtio_net", "llc", "stp", "bridge"]);
    expect(insmodLines(order.map((name) => ({ name, file: `/x/${name}.ko` })))).toEqual([
      "for m in failover net_failover virtio_net llc stp bridge; do insmod /mods/$m.ko; done",
    ]);
    expect(() =>
      loadOrder(
        ["a"],
        new Map([
          ["a", ["b"]],
          ["b", ["a"]],
        ]),
      ),
    ).toThrow(/cycle: a → b → a/);
  });

  test("without modules /init and the toolstack's /init are what they were (cached initramfs entries stay valid)", () => {
    expect(initScript(["echo hi"])).toBe(initScript(["echo hi"], []));
    expect(initScript(["echo hi"])).not.toContain("insmod");
    expect(toolstackInitScript("arm64", ["xl list"]).match(/insmod/g)).toHaveLength(1);
    const withModules = initScript(["echo hi"], [{ name: "xen_netfront", file: "/x" }]);
    // After the marker line, before the expectation's own lines (which may need the driver).
    expect(withModules.indexOf("insmod")).toBeGreaterThan(withModules.indexOf("dom0 init:"));
    expect(withModules.indexOf("insmod")).toBeLessThan(withModules.indexOf("echo hi"));
  });

  test("the busybox initramfs carries the modules where /init loads them from", async () => {
    const module = join(dir, "xen_netfront.ko");
    writeFileSync(module, ko("depends="));
    const out = join(dir, "initrd.gz");
    const modules = [{ name: "xen_netfront", file: module }];
    await buildInitramfs(
      "/bin/busybox",
      initScript([], modules),
      join(dir, "work"),
      out,
      new Map([["/mods/xen_netfront.ko", module]]),
    );
    const listing = execFileSync("cpio", ["-t", "--quiet"], { input: gunzipSync(readFileSync(out)) })
      .toString()
      .split("\n");
    expect(listing).toContain("mods/xen_netfront.ko");
    expect(listing).toContain("init");
  });
});

describe("files of other Debian packages in dom0's rootfs", () => {
  test("a glob from the package's root picks the files at their rootfs paths", () => {
    const names = new Map([
      ["vif-bridge", ["/etc/xen/scripts/vif-bridge"]],
      ["vif-common.sh", ["/etc/xen/scripts/vif-common.sh"]],
      ["xenstore", ["/usr/bin/xenstore"]],
      ["xenstore-read", ["/usr/bin/xenstore-read"]],
      ["xenstore-write", ["/usr/bin/xenstore-write"]],
      ["copyright", ["/usr/share/doc/xenstore-utils/copyright"]],
    ]);
    expect(packagePaths(names, "etc/xen/scripts/*")).toEqual([
      "/etc/xen/scripts/vif-bridge",
      "/etc/xen/scripts/vif-common.sh",
    ]);
    expect(packagePaths(names, "usr/bin/xenstore-*")).toEqual(["/usr/bin/xenstore-read", "/usr/bin/xenstore-write"]);
    expect(packagePaths(names, "/usr/bin/xenstore")).toEqual(["/usr/bin/xenstore"]);
    expect(packagePaths(names, "bin/bash")).toEqual([]);
  });
});

describe("a xen,enhanced dom0less domU", () => {
  test("the direct path's device tree says enabled, read back with fdtget", async () => {
    const image = { path: "/boot/k", sizeHex: "1000" };
    const { patches } = domUPatches(
      [
        { memory: "256M", initrd: "initrd", enhanced: true },
        { memory: "128M", initrd: "initrd" },
      ],
      { kernel: image, initrd: image },
    );
    const machine = ["-machine", "virt,gic-version=2,virtualization=on", "-cpu", "cortex-a57", "-m", "2G", "-smp", "2"];
    const dtb = await patchedDtb(await qemuFor("aarch64"), machine, patches);
    expect((await execa("fdtget", ["-t", "s", dtb, "/chosen/domU1", "xen,enhanced"])).stdout.trim()).toBe("enabled");
    const absent = await execa("fdtget", [dtb, "/chosen/domU2", "xen,enhanced"], { reject: false });
    expect(absent.exitCode).not.toBe(0);
  });

  test("behind U-Boot the typed fdt commands say it too, and only for that domU", () => {
    const text = ubootDomUCommands([
      { memory: "256M", enhanced: true },
      { memory: "128M", enhanced: false },
    ]).filter((c): c is string => typeof c === "string");
    expect(text).toContain('fdt set /chosen/domU1 xen,enhanced "enabled"');
    expect(text.filter((c) => c.includes("xen,enhanced"))).toHaveLength(1);
  });

  test("the Xen CI job's expectation: enhanced domU, dom0 bridges and attaches, the domU's initramfs has netfront", async () => {
    const exp = await loadExpectationFile(join(EXPECTATIONS_DIR, "xen-ci/qemu-smoke-dom0less-arm64.ts"));
    expect(exp.boot?.domUs?.[0]?.enhanced).toBe(true);
    const initrd = exp.images.initrd;
    expect(initrd?.kind).toBe("xen-toolstack-initrd");
    if (initrd?.kind !== "xen-toolstack-initrd") return;
    expect(initrd.programs).toContain("init-dom0less");
    expect(initrd.modules).toEqual(expect.arrayContaining(["xen-netback", "bridge"]));
    expect(initrd.commands.findIndex((c) => c === "init-dom0less")).toBeLessThan(
      initrd.commands.findIndex((c) => c.includes("xl network-attach 1")),
    );
    const guest = exp.images["guest-initrd"];
    expect(guest?.kind === "busybox-initrd" && guest.modules).toEqual(["xen-netfront"]);
    // The NIC's network ends inside QEMU.
    expect(exp.machine.extraArgs).toContain("user,id=n0,restrict=on");
  });

  test("modules from an image that is no Debian kernel package are named", () => {
    const result = bootSchema.safeParse({
      name: "x",
      machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
      images: {
        xen: { kind: "file", path: "/x" },
        kernel: { kind: "file", path: "/k" },
        "guest-initrd": { kind: "busybox-initrd", modules: ["xen-netfront"] },
      },
      milestones: [{ id: "m", match: "m" }],
      silence: "1s",
      budget: "2s",
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({
        path: ["images", "guest-initrd", "modules"],
        message: 'the modules come from image "kernel", which must be a Debian kernel package (deb or debianKernel)',
      }),
    ]);
  });
});

describe("static and shared memory behind U-Boot (issue 23, item 4)", () => {
  test("typed as the direct path's DTB spells them: xen,static-mem, direct-map, a shared-memory child node", () => {
    const text = ubootDomUCommands([
      {
        memory: "256M",
        staticMem: { base: 0x60000000, size: 0x10000000, directMap: true },
        sharedMem: [{ id: "my-shared-mem-0", host: 0x70000000, guest: 0x4000000, size: 0x10000000, role: "owner" }],
      },
    ]).filter((c): c is string => typeof c === "string");
    expect(text).toContain("fdt set /chosen/domU1 xen,static-mem <0x0 0x60000000 0x0 0x10000000>");
    expect(text).toContain("fdt set /chosen/domU1 direct-map");
    const shm = "/chosen/domU1/domU1-shared-mem@70000000";
    expect(text).toContain("fdt mknod /chosen/domU1 domU1-shared-mem@70000000");
    expect(text).toContain(`fdt set ${shm} compatible "xen,domain-shared-memory-v1"`);
    expect(text).toContain(`fdt set ${shm} xen,shm-id "my-shared-mem-0"`);
    expect(text).toContain(`fdt set ${shm} xen,shared-mem <0x0 0x70000000 0x0 0x4000000 0x0 0x10000000>`);
    expect(text).toContain(`fdt set ${shm} role "owner"`);
    // The child node is made after its parent.
    expect(text.indexOf("fdt mknod /chosen domU1")).toBeLessThan(
      text.indexOf("fdt mknod /chosen/domU1 domU1-shared-mem@70000000"),
    );
  });

  test("a boot-time cpupool behind U-Boot is refused, not left out", () => {
    const result = bootSchema.safeParse({
      name: "x",
      machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "u-boot" },
      images: { xen: { kind: "file", path: "/x" }, kernel: { kind: "file", path: "/k" } },
      boot: { domUs: [{ memory: "128M", cpupool: { cpus: [1] } }] },
      milestones: [{ id: "m", match: "m" }],
      silence: "1s",
      budget: "2s",
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({ path: ["boot", "domUs", 0, "cpupool"], message: expect.stringContaining("direct") }),
    ]);
  });
});
