import { busyboxInitrd, debianKernel, defineBoot, linuxPanics } from "../../harness/expectations/index.ts";

/**
 * An intermittent boot: /init takes one random byte from /dev/urandom and exits when it is below
 * 85 (85/256 ≈ 1/3 of boots); Linux then panics ("Attempted to kill init!"). Linux alone, one
 * CPU, quiet: a boot reaches /init in about 1.5 s, so many runs are cheap.
 */
export default defineBoot({
  name: "arm64-linux-flaky-init",
  description: "Debian's Linux 6.1 alone on arm64 virt with an /init that exits about one boot in three",
  tags: ["known-bad", "intermittent"],
  machine: { arch: "aarch64", memory: "256M", cpus: 1, firmware: "direct" },
  images: {
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd([
      "byte=$(($(head -c1 /dev/urandom | od -An -tu1)))",
      'if [ "$byte" -lt 85 ]; then echo "init: exits (random byte $byte < 85)"; exit 1; fi',
      'echo "init: stays (random byte $byte)"',
    ]),
  },
  // quiet: only init's lines and the panic reach the console (KERN_EMERG passes any loglevel), so
  // the console is silent until /init: silence must allow for a slow, loaded host.
  boot: { linux: "console=ttyAMA0 rdinit=/init quiet" },
  milestones: [
    { id: "init-started", match: /^dom0 init: \S+ xen: $/, within: "40s" },
    { id: "init-stays", match: /^init: stays \(random byte \d+\)$/ },
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "60s",
  knownBad: {
    outcome: "fail",
    after: "init-started",
    reason: "/init exits when its random byte is below 85 (85/256 of boots)",
    rate: 85 / 256,
  },
});
