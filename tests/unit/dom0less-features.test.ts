/**
 * The dom0less device-tree properties Xen CI's static memory, static shared memory and
 * boot-time cpupool jobs need, applied by fdtput to QEMU's own DTB and read back with fdtget
 * (QEMU only dumps its device tree: nothing boots).
 */
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { patchedDtb } from "../../harness/images/dtb.ts";
import { domUPatches } from "../../harness/machines/dom0less.ts";
import { qemuFor } from "../../harness/machines/qemu.ts";
import { bootSchema } from "../../harness/expectations/schema.ts";

const MACHINE = ["-machine", "virt,gic-version=3,virtualization=on", "-cpu", "cortex-a57", "-m", "2G", "-smp", "2"];
const image = { path: "/boot/k", sizeHex: "1000" };
const get = async (dtb: string, node: string, property: string, type = "x") =>
  (await execa("fdtget", ["-t", type, dtb, node, property])).stdout.trim();

describe("dom0less domU features in the DTB", () => {
  test("static memory (direct-mapped), a shared region and a boot-time cpupool, as Xen's bindings spell them", async () => {
    const { patches } = domUPatches(
      [
        {
          memory: "256M",
          initrd: "initrd",
          staticMem: { base: 0x60000000, size: 0x10000000, directMap: true },
          sharedMem: [{ id: "my-shared-mem-0", host: 0x70000000, guest: 0x4000000, size: 0x10000000, role: "owner" }],
          cpupool: { cpus: [1], sched: "null" },
        },
      ],
      { kernel: image, initrd: image },
    );
    const dtb = await patchedDtb(await qemuFor("aarch64"), MACHINE, patches);
    expect(await get(dtb, "/chosen/domU1", "xen,static-mem")).toBe("0 60000000 0 10000000");
    expect(await get(dtb, "/chosen/domU1", "direct-map")).toBe("");
    const shm = "/chosen/domU1/domU1-shared-mem@70000000";
    expect(await get(dtb, shm, "compatible", "s")).toBe("xen,domain-shared-memory-v1");
    expect(await get(dtb, shm, "xen,shm-id", "s")).toBe("my-shared-mem-0");
    expect(await get(dtb, shm, "xen,shared-mem")).toBe("0 70000000 0 4000000 0 10000000");
    expect(await get(dtb, shm, "role", "s")).toBe("owner");
    const pool = "/chosen/cpupool-domU1";
    expect(await get(dtb, pool, "compatible", "s")).toBe("xen,cpupool");
    expect(await get(dtb, pool, "cpupool-sched", "s")).toBe("null");
    // The pool names the machine's own CPU node by its phandle; the domain names the pool by its own.
    expect(await get(dtb, pool, "cpupool-cpus")).toBe(await get(dtb, "/cpus/cpu@1", "phandle"));
    expect(await get(dtb, "/chosen/domU1", "domain-cpupool")).toBe(await get(dtb, pool, "phandle"));
  });

  test("a static memory size that is not the domain's memory is named", () => {
    const result = bootSchema.safeParse({
      name: "x",
      machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
      images: { xen: { kind: "file", path: "/x" }, kernel: { kind: "file", path: "/k" } },
      boot: { domUs: [{ memory: "128M", staticMem: { base: 0x60000000, size: 0x10000000 } }] },
      milestones: [{ id: "m", match: "m" }],
      silence: "1s",
      budget: "2s",
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({
        path: ["boot", "domUs", 0, "staticMem", "size"],
        message: "is 0x10000000 bytes but memory is 128M (0x8000000): they must be equal",
      }),
    ]);
  });
});
