import { busyboxInitrd, deb, debianKernel } from "../../harness/expectations/index.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import { prepareImages } from "../../harness/images/prepare.ts";

export interface Arm64Images {
  xen: string;
  kernel: string;
  initrd: string;
}

/**
 * Debian's Xen 4.17, current 6.1 kernel and the busybox initramfs for arm64, as files in the
 * image cache: boot tests that write their own expectations point at these files.
 */
export async function arm64XenImages(): Promise<Arm64Images> {
  const exp = validateExpectation("tests/helpers/arm64-images.ts", {
    name: "arm64-xen-images",
    machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
    images: {
      xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
      kernel: debianKernel("arm64"),
      initrd: busyboxInitrd(),
    },
    milestones: [{ id: "never", match: "never" }],
    silence: "1s",
    budget: "1s",
  });
  const { images } = await prepareImages(exp);
  return { xen: images.xen!.path, kernel: images.kernel!.path, initrd: images.initrd!.path };
}
