import { defineBoot } from "../../harness/expectations/index.ts";
import toolstack from "../xen-domains/x86_64-toolstack.ts";

/**
 * The x86_64 toolstack boot with dom0_mem=256M, as on arm64: the PV dom0 runs out of memory
 * while `xl create` builds the guest, and the kernel kills xl:
 * `Out of memory: Killed process 113 (xl) total-vm:111780kB, anon-rss:83920kB, ...`.
 */
export default defineBoot({
  ...toolstack,
  name: "x86_64-xen-toolstack-dom0-256m",
  description: "x86_64 toolstack boot with dom0_mem=256M: xl is OOM-killed creating the PV guest",
  tags: ["known-bad", "xen-domains", "toolstack", "streams"],
  boot: { ...toolstack.boot, xen: "console=com1 com1=115200,8n1 dom0_mem=256M" },
  failOn: [...(toolstack.failOn ?? []), { id: "dom0-oom-xl", match: /Out of memory: Killed process \d+ \(xl\)/ }],
  knownBad: {
    outcome: "fail",
    after: "dom0/xl-create",
    reason:
      "a 256M PV dom0 (its initramfs holds the guest's kernel) cannot hold xl building a 128M PV guest: the OOM killer ends xl",
  },
});
