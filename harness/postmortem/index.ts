/** The post-mortem as the runner sees it: set up before QEMU starts, conclude after it stopped. */
import pTimeout from "p-timeout";
import type { Expectation } from "../expectations/loader.ts";
import type { MachinePlan } from "../machines/plan.ts";
import {
  CAPTURE_TIMEOUT_MS,
  examineRam,
  setUpPostMortem,
  type LiveCapture,
  type PostMortemOptions,
  type PostMortemSetup,
} from "./capture.ts";
import { memoryBytes } from "./guest-ram.ts";
import { finishPostMortem, missingPostMortem, type PostMortem } from "./summary.ts";

export {
  adoptRamFileSoon,
  captureAlive,
  releasePostMortem,
  wantsPostMortem,
  type PostMortemOptions,
  type PostMortemSetup,
} from "./capture.ts";
export { memoryShows, recoveredLines, type PostMortem } from "./summary.ts";
export { liveKeysWatch } from "./live-keys.ts";

/** Decide where RAM goes; the setup carries QEMU's options for it (argv, appended when QEMU starts). A problem here only costs the post-mortem. */
export function planPostMortem(
  exp: Expectation,
  plan: MachinePlan,
  dir: string,
  opts: PostMortemOptions = {},
): { setup?: PostMortemSetup; problem?: string } {
  try {
    const setup = setUpPostMortem({
      mode: opts.mode ?? "on",
      keepRam: opts.keepRam ?? false,
      ...(opts.shmDir ? { shmDir: opts.shmDir } : {}),
      dir,
      name: exp.name,
      bytes: memoryBytes(exp.machine.memory),
      vcpuContext: {
        arch: exp.machine.arch,
        xen: !!exp.images.xen,
        ...(exp.machine.firmware === "u-boot"
          ? { firmware: "U-Boot" }
          : exp.machine.firmware === "image"
            ? { firmware: "the user image's firmware (e.g. boot-wrapper)" }
            : {}),
        loads: plan.loads,
      },
    });
    return setup ? { setup } : {};
  } catch (error) {
    return { problem: `post-mortem not set up: ${(error as Error).message}` };
  }
}

/** After QEMU stopped: read RAM and write the post-mortem files; bounded, and never throws. */
export async function concludePostMortem(
  exp: Expectation,
  setup: PostMortemSetup,
  live: LiveCapture | undefined,
  dir: string,
): Promise<PostMortem> {
  const started = performance.now();
  const deadline = started + CAPTURE_TIMEOUT_MS;
  const extra = exp.failOn.map((f) => f.match);
  const work = (async () => finishPostMortem(dir, setup, live, await examineRam(setup, deadline), extra, started))();
  try {
    return await pTimeout(work, {
      milliseconds: CAPTURE_TIMEOUT_MS + 1000,
      message: `post-mortem did not finish within ${CAPTURE_TIMEOUT_MS / 1000} s`,
    });
  } catch (error) {
    return missingPostMortem(`post-mortem failed: ${(error as Error).message.split("\n")[0]}`);
  }
}
