import {
  busyboxInitrd,
  debianKernel,
  defineBoot,
  linuxPanics,
  shellMilestones,
} from "../harness/expectations/index.ts";

/** Debian's Linux alone on the same board: the baseline that tells a Xen regression from a Linux one. */
export default defineBoot({
  name: "arm64-linux",
  description: "Debian's Linux 6.1 booted directly by QEMU on arm64 virt, no Xen",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: { kernel: debianKernel("arm64"), initrd: busyboxInitrd() },
  boot: { linux: "console=ttyAMA0 rdinit=/init" },
  milestones: [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "20s" },
    { id: "run-init", match: "Run /init as init process" },
    // Without Xen the marker must say so: "xen: " with nothing after it.
    { id: "init-not-on-xen", match: /^dom0 init: \S+ xen: $/ },
    ...shellMilestones("arm64"),
  ],
  failOn: linuxPanics,
  silence: "15s",
  budget: "90s",
});
