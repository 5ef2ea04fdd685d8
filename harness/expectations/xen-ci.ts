import { busyboxInitrd } from "./define.ts";
import { GUEST_MARKER, guestMilestones, type KernelFlavour } from "./domain-sets.ts";
import type { ImageSource, Milestone } from "./schema.ts";

/**
 * Xen's own CI (xen-project/xen automation/scripts/qemu-*.sh, judged by console.exp) passes a
 * boot when it sees one line: PASSED, e.g. "gicv3 test passed" that the domU's /init echoes, or
 * "BusyBox" from a guest's shell. The expectations under expectations/xen-ci/ keep that line as
 * a milestone, named for it, and judge the rest of the boot more strictly around it.
 */

/** The milestone id of Xen CI's PASSED string, the same in every xen-ci expectation. */
export const XEN_CI_PASSED = "xen-ci-passed";

/** dom0's command line in Xen CI's arm64 ImageBuilder configs (its DOM0_CMD; arm32's has no earlycon). */
export const XEN_CI_DOM0_ARGS = "console=hvc0 earlycon=xen earlyprintk=xen clk_ignore_unused rdinit=/init";

/** A domU initramfs whose /init echoes Xen CI's pass line after bootlog's guest marker, as CI's domU_check does. */
export function xenCiGuestInitrd(passed: string): ImageSource {
  return busyboxInitrd([GUEST_MARKER, `echo ${JSON.stringify(passed)}`]);
}

/** A domU's Linux to its marker, then Xen CI's pass line, then its shell banner: the pass line counts only from its own domain, in order. */
export function xenCiGuestMilestones(arch: KernelFlavour, passed: string): Milestone[] {
  const [banner, init, up, shell] = guestMilestones(arch);
  return [
    banner!,
    init!,
    up!,
    { id: XEN_CI_PASSED, match: passed, description: `Xen CI's PASSED "${passed}"` },
    shell!,
  ];
}

/**
 * A guest whose shell banner is Xen CI's pass line ("BusyBox", from `xl create -c`): its Linux,
 * its marker, then the banner. `ciPassed`: CI's own string when it waits for something the
 * banner stands for (the prompt after it, "/ #", never reaches bootlog whole: see guestMilestones).
 */
export function xenCiBusyBoxMilestones(arch: KernelFlavour, ciPassed = "BusyBox"): Milestone[] {
  const [banner, init, up] = guestMilestones(arch);
  const description =
    ciPassed === "BusyBox"
      ? `Xen CI's PASSED "BusyBox"`
      : `Xen CI's PASSED "${ciPassed}", the prompt after this banner`;
  return [banner!, init!, up!, { id: XEN_CI_PASSED, match: "BusyBox", description }];
}

/** `milestones` with `extra` inserted right after the one with id `after` (a stricter check at its place in the order). */
export function withAfter(milestones: Milestone[], after: string, ...extra: Milestone[]): Milestone[] {
  const at = milestones.findIndex((m) => m.id === after);
  if (at < 0) throw new Error(`withAfter: no milestone "${after}" (have ${milestones.map((m) => m.id).join(", ")})`);
  return [...milestones.slice(0, at + 1), ...extra, ...milestones.slice(at + 1)];
}
