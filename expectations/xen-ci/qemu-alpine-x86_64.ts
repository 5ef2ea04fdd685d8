import {
  deb,
  debianKernel,
  defineBoot,
  dom0ToolstackMilestones,
  guestInitrd,
  linuxPanics,
  toolstackInitrd,
  xenCiBusyBoxMilestones,
  xenPanics,
  xenStreamMilestones,
  xlGuest,
} from "../../harness/expectations/index.ts";

const guest = xlGuest({
  kernel: "kernel",
  initrd: "guest-initrd",
  config: { type: "pv", memory: 512, extra: "console=hvc0 rdinit=/init" },
});

/**
 * Xen CI's qemu-alpine-x86_64-gcc: Xen (`console=com1 console_timestamps=boot`, no dom0_mem)
 * with a PV dom0 on `-cpu qemu64,+svm`; dom0 runs `xl list` and `xl create`s a 512 MiB PV
 * busybox guest. With no dom0_mem, dom0 owns all 2 GiB and xl must balloon it down for the
 * guest, which takes /var/lock/xl. CI loads Xen over iPXE; QEMU loads it directly here (the
 * same multiboot image and modules).
 */
export default defineBoot({
  name: "xen-ci-qemu-alpine-x86_64",
  description:
    "Xen CI qemu-alpine-x86_64-gcc: Xen without dom0_mem → PV dom0 with xl; balloons dom0 to `xl create` a 512 MiB guest to BusyBox",
  tags: ["xen-ci", "toolstack", "streams", "nightly"],
  machine: { arch: "x86_64", memory: "2G", cpus: 2, cpu: "qemu64,+svm", firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-amd64", "boot/xen-4.17-amd64.gz"),
    kernel: debianKernel("amd64"),
    "guest-initrd": guestInitrd(),
    // Until the toolstack rootfs has /var/lock itself, dom0 makes it before xl balloons.
    initrd: toolstackInitrd({ ...guest, commands: ["mkdir -p /var/lock", ...guest.commands] }),
  },
  boot: {
    xen: "console=com1 console_timestamps=boot",
    linux: "console=hvc0 earlyprintk=xen rdinit=/init",
  },
  streams: {
    xen: {
      // Without dom0_mem Xen builds a PV dom0 of all 2 GiB: tens of seconds without a line under TCG.
      milestones: xenStreamMilestones({ dom0: true, domUs: 0, arch: "amd64" }).map((m) =>
        m.id === "xen-dom0-kernel" ? { ...m, within: "150s" } : m,
      ),
    },
    dom0: { after: "xen/xen-dom0-kernel", milestones: dom0ToolstackMilestones() },
    guest: {
      prefix: "[guest] ",
      after: "dom0/xl-create",
      silence: "60s",
      milestones: xenCiBusyBoxMilestones("amd64"),
      failOn: linuxPanics,
    },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "120s",
  budget: "400s",
});
