import type { Expectation } from "../expectations/loader.ts";
import { prepareImages, type PreparedImages } from "../images/prepare.ts";
import { planMachine, type MachinePlan } from "./plan.ts";
import { qemuFor, type QemuInfo } from "./qemu.ts";

/** A boot ready to start: the QEMU found, the images prepared, the machine planned. */
export interface BootPlan {
  qemu: QemuInfo;
  prepared: PreparedImages;
  plan: MachinePlan;
}

/**
 * expectation → QEMU + images → machine: the step a boot and every export (LAVA, packages) share.
 * `found` is filled as each part is known, so a caller can still report what was found when a
 * later part fails (QEMU's version when an image cannot be had).
 */
export async function planBoot(
  exp: Expectation,
  overrides: Record<string, string> = {},
  found: Partial<BootPlan> = {},
  ready?: PreparedImages,
): Promise<BootPlan> {
  const qemu = (found.qemu = await qemuFor(exp.machine.arch));
  // `ready`: images prepared once for many runs of the same boot.
  const prepared = (found.prepared = ready ?? (await prepareImages(exp, overrides)));
  const plan = (found.plan = await planMachine(exp, prepared, qemu));
  return { qemu, prepared, plan };
}
