import {
  deb,
  debianKernel,
  defineBoot,
  dom0ToolstackMilestones,
  guestInitrd,
  linuxPanics,
  toolstackInitrd,
  ubootErrors,
  ubootXenMilestones,
  xenCiBusyBoxMilestones,
  xenPanics,
  xenStreamMilestones,
  xlGuest,
} from "../../harness/expectations/index.ts";

/**
 * Xen CI's qemu-smoke-dom0-arm32-gcc: `qemu-system-arm -machine virt`, U-Boot `bootz`s arm32
 * Xen (`dom0_mem=1024M bootscrub=0 console_timestamps=boot`) and dom0, which runs `xl list`
 * and `xl create`s a 400 MiB guest. CI's dom0 is Yocto's xen-image-minimal; here it is Debian's
 * LPAE kernel with Debian's armhf xl. CI passes on "Domain-0", then the guest's "/ #" prompt;
 * a guest's console reaches bootlog through xenconsoled's log a whole line at a time, so the
 * guest's BusyBox banner (the line before its prompt) stands for it.
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0-arm32",
  description: "Xen CI qemu-smoke-dom0-arm32-gcc: U-Boot → arm32 Xen → dom0 with xl; `xl create` a guest to its shell",
  tags: ["xen-ci", "toolstack", "streams", "nightly"],
  machine: { arch: "arm", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-armhf", "boot/xen-4.17-armhf"),
    kernel: debianKernel("armhf"),
    "guest-initrd": guestInitrd(),
    initrd: toolstackInitrd(
      xlGuest({
        kernel: "kernel",
        initrd: "guest-initrd",
        config: { memory: 400, extra: "console=hvc0 rdinit=/init" },
      }),
    ),
  },
  streams: {
    // The unprefixed console is U-Boot's, then dom0's (Xen's own lines are "(XEN) ").
    dom0: {
      milestones: [
        ...ubootXenMilestones({
          xen: "console=dtuart dom0_mem=1024M bootscrub=0 console_timestamps=boot",
          dom0: "console=hvc0 earlyprintk clk_ignore_unused rdinit=/init",
          command: "bootz",
        }),
        ...dom0ToolstackMilestones(),
      ],
    },
    xen: { after: "dom0/uboot-starting-kernel", milestones: xenStreamMilestones({ dom0: true, domUs: 0 }) },
    guest: {
      prefix: "[guest] ",
      after: "dom0/xl-create",
      // The guest's zImage unpacks itself before Linux prints a line: a minute and more under TCG.
      silence: "150s",
      milestones: xenCiBusyBoxMilestones("armmp-lpae", "/ #").map((m) =>
        m.id === "linux-banner" ? { ...m, within: "180s" } : m,
      ),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "60s",
  budget: "400s",
});
