/** What the host must have for a set of expectations: QEMU per architecture, U-Boot when one boots through it. */
import type { Expectation } from "../expectations/loader.ts";
import type { Project } from "../project/current.ts";
import type { HostNeeds } from "./setup-host.mjs";

export function hostNeeds(
  expectations: Expectation[],
  asked: { chromium?: boolean; lava?: boolean; jdk?: boolean; packages?: string[] },
  project?: Project,
): HostNeeds {
  return {
    arches: [...new Set(expectations.map((e) => e.machine.arch))].sort(),
    uboot: expectations.some((e) => e.machine.firmware === "u-boot"),
    chromium: !!asked.chromium || !!project?.hostSetup.chromium,
    lava: !!asked.lava || !!project?.hostSetup.lava,
    jdk: !!asked.jdk || !!project?.hostSetup.jdk,
    xenSource: expectations.some((e) => Object.values(e.images).some((i) => i.kind === "xen-source")),
    packages: [...new Set([...(project?.hostSetup.packages ?? []), ...(asked.packages ?? [])])],
  };
}
