import { defineBoot, dom0Milestones, ubootXenMilestones, xenMilestones } from "../../harness/expectations/index.ts";
import uboot from "../arm64-uboot-xen-dom0.ts";

/**
 * The U-Boot boot with an old guide's Xen command line: `dtuart=/pl011,0x09000000` is not a
 * device-tree path, so Xen finds no console and the screen stays black after "Starting kernel ...".
 */
export default defineBoot({
  ...uboot,
  name: "arm64-uboot-xen-old-dtuart",
  description: "U-Boot → Xen with the old dtuart=/pl011,0x09000000 syntax: silent forever",
  tags: ["known-bad"],
  milestones: [
    ...ubootXenMilestones({
      xen: "console=dtuart dtuart=/pl011,0x09000000 dom0_mem=512M",
      dom0: "console=hvc0 earlycon=xen rdinit=/init",
    }),
    ...xenMilestones("arm64"),
    ...dom0Milestones("arm64"),
  ],
  silence: "8s",
  knownBad: {
    outcome: "hang",
    after: "uboot-starting-kernel",
    shows: /Bad console= option 'dtuart'/,
    reason: "dtuart takes a DT path (/pl011@9000000), not /pl011,<address>",
  },
});
