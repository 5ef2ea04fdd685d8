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

/** The plan, or why it could not be made with the parts known before that (QEMU's version when an image cannot be had). */
export type PlanAttempt = { ok: true; plan: BootPlan } | { ok: false; found: Partial<BootPlan>; error: unknown };

/**
 * expectation → QEMU + images → machine: the step a boot and every export (LAVA, packages) share.
 * A failure comes back with what was found before it, so a caller can still report it.
 */
export async function tryPlanBoot(
  exp: Expectation,
  overrides: Record<string, string> = {},
  ready?: PreparedImages,
): Promise<PlanAttempt> {
  const found: Partial<BootPlan> = {};
  try {
    found.qemu = await qemuFor(exp.machine.arch);
    // `ready`: images prepared once for many runs of the same boot.
    found.prepared = ready ?? (await prepareImages(exp, overrides));
    const plan = await planMachine(exp, found.prepared, found.qemu);
    return { ok: true, plan: { qemu: found.qemu, prepared: found.prepared, plan } };
  } catch (error) {
    return { ok: false, found, error };
  }
}

/** The plan, or the error that stopped it (for callers with nothing to report on a failure). */
export async function planBoot(exp: Expectation, overrides: Record<string, string> = {}): Promise<BootPlan> {
  const attempt = await tryPlanBoot(exp, overrides);
  if (!attempt.ok) throw attempt.error;
  return attempt.plan;
}
