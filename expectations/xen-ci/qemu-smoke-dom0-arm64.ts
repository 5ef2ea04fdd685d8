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
  XEN_CI_DOM0_ARGS,
} from "../../harness/expectations/index.ts";

/**
 * Xen CI's qemu-smoke-dom0-arm64-gcc (and its -gcc-debug twin: Debian ships one build): U-Boot
 * boots Xen (GICv2, `dom0_mem=1024M console_timestamps=boot`) and dom0, which runs `xl list`
 * and `xl create`s a 512 MiB busybox guest. CI passes on "Domain-0" and then "BusyBox"; here
 * Domain-0 must be in `xl list`'s own row, and "BusyBox" must come from the guest's console
 * after the guest's own Linux and marker.
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0-arm64",
  description: "Xen CI qemu-smoke-dom0-arm64-gcc(-debug): U-Boot → Xen → dom0 with xl; `xl create` a guest to BusyBox",
  tags: ["xen-ci", "toolstack", "streams", "nightly"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, gic: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    "guest-initrd": guestInitrd(),
    initrd: toolstackInitrd(
      xlGuest({
        kernel: "kernel",
        initrd: "guest-initrd",
        config: { memory: 512, extra: "console=hvc0 rdinit=/init" },
      }),
    ),
  },
  streams: {
    // The unprefixed console is U-Boot's, then dom0's (Xen's own lines are "(XEN) ").
    dom0: {
      milestones: [
        ...ubootXenMilestones({
          xen: "console=dtuart dom0_mem=1024M console_timestamps=boot",
          dom0: XEN_CI_DOM0_ARGS,
        }),
        ...dom0ToolstackMilestones(),
      ],
    },
    xen: { after: "dom0/uboot-starting-kernel", milestones: xenStreamMilestones({ dom0: true, domUs: 0 }) },
    guest: {
      prefix: "[guest] ",
      after: "dom0/xl-create",
      silence: "30s",
      milestones: xenCiBusyBoxMilestones("arm64"),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "60s",
  budget: "240s",
});
