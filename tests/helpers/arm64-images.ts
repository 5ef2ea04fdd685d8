import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { busyboxInitrd, deb, debianKernel } from "../../harness/expectations/index.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import { prepareImages } from "../../harness/images/prepare.ts";
import { writeFileAtomic } from "../../harness/report/atomic-write.ts";

export interface Arm64Images {
  xen: string;
  kernel: string;
  initrd: string;
}

const MEMO = resolve("artifacts", "tests", "arm64-xen-images.json");
const MAX_AGE_MS = 12 * 3600 * 1000;

/**
 * Debian's Xen 4.17, current 6.1 kernel and the busybox initramfs for arm64, as files in the
 * image cache. Boot tests that write their own expectations point at these files, so each of
 * their boots skips apt (seconds per package on a loaded host). Resolving through apt happens
 * once, then the paths are remembered for a while (the cache is content-addressed: they stay valid).
 */
export async function arm64XenImages(): Promise<Arm64Images> {
  try {
    if (Date.now() - statSync(MEMO).mtimeMs < MAX_AGE_MS) {
      const memo = JSON.parse(readFileSync(MEMO, "utf8")) as Arm64Images;
      if ([memo.xen, memo.kernel, memo.initrd].every((p) => typeof p === "string" && existsSync(p))) return memo;
    }
  } catch {
    // no memo yet
  }
  const exp = validateExpectation("tests/helpers/arm64-images.ts", {
    name: "arm64-xen-images",
    machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
    images: { xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"), kernel: debianKernel("arm64"), initrd: busyboxInitrd() },
    milestones: [{ id: "never", match: "never" }],
    silence: "1s",
    budget: "1s",
  });
  const { images } = await prepareImages(exp);
  const files = { xen: images.xen!.path, kernel: images.kernel!.path, initrd: images.initrd!.path };
  mkdirSync(join(MEMO, ".."), { recursive: true });
  await writeFileAtomic(MEMO, JSON.stringify(files));
  return files;
}
