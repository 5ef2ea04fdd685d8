import { writeFile } from "node:fs/promises";
import type { Pattern } from "../expectations/schema.ts";
import {
  POSTMORTEM_FILES,
  postMortemFile,
  type LiveCapture,
  type PostMortemSetup,
  type RamFindings,
} from "./capture.ts";
import { tellingLines, type TellingLine } from "./patterns.ts";
import type { PrintkLog } from "./printk-ring.ts";
import { parseVcpus, type VcpuState } from "./vcpus.ts";

const TAIL = 50;

/** What the machine itself said after the verdict: the part of a boot result the post-mortem adds. */
export interface PostMortem {
  /** Why some or all of it is missing, in one line; absent when everything was recovered. */
  missing?: string;
  vcpus: VcpuState[];
  ram?: { how: string; fileBytes: number; dataBytes: number; scanMs: number; pmemsaveMs?: number; keptAt?: string };
  xen?: { lines: number; wrapped: boolean; address: string };
  linux?: { records: number; lengths: PrintkLog["lengths"]; address: string };
  telling: TellingLine[];
  liveKeys?: { sent: string; answered: boolean; ms: number; lines: number };
  /** The last lines of each recovered log, for JUnit and the HTML report. */
  tails: { xen: string[]; linux: string[]; liveKeys: string[] };
  /** File names next to serial.log. */
  files: string[];
  /** Milliseconds after QEMU stopped (reading RAM, writing files). */
  ms: number;
  /** Milliseconds while QEMU still ran (live keys, QMP, pmemsave), before it was stopped. */
  liveMs?: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function kernelLine(r: PrintkLog["records"][number]): string {
  return r.time === undefined ? r.text : `[${r.time.toFixed(6).padStart(12)}] ${r.text}`;
}

/** Assemble, write postmortem.json and the logs into `dir`, and say what is missing. */
export async function finishPostMortem(
  dir: string,
  setup: PostMortemSetup,
  live: LiveCapture | undefined,
  found: RamFindings,
  extraPatterns: Pattern[],
  started: number,
): Promise<PostMortem> {
  const xenLines = found.xen?.lines ?? [];
  const linuxLines = found.linux?.records.map((r) => r.text) ?? [];
  const liveLines = live?.liveKeys?.text.split("\n").filter((l) => l.trim()) ?? [];
  const problems = [...(live ? live.problems : ["vCPU state missing: QEMU had already exited"])];
  if (found.problem) problems.push(found.problem);
  const files: string[] = [POSTMORTEM_FILES.json];
  if (xenLines.length) files.push(POSTMORTEM_FILES.xen);
  if (linuxLines.length) files.push(POSTMORTEM_FILES.linux);
  if (liveLines.length) files.push(POSTMORTEM_FILES.liveKeys);
  if (live?.registers) files.push(POSTMORTEM_FILES.registers);
  // Xen's ring in RAM says Xen ran, even where bootlog could not know it would (a user's all-in-one image).
  const vcpus =
    found.xen && !setup.vcpuContext.xen && live?.registers
      ? parseVcpus(live.registers, { ...setup.vcpuContext, xen: true })
      : (live?.vcpus ?? []);
  const pm: PostMortem = {
    ...(problems.length ? { missing: problems.join("; ") } : {}),
    vcpus,
    ...(found.stats
      ? {
          ram: {
            how: found.how,
            fileBytes: found.stats.fileBytes,
            dataBytes: found.stats.dataBytes,
            scanMs: Math.round(found.stats.readMs),
            ...(live?.pmemsaveMs !== undefined ? { pmemsaveMs: Math.round(live.pmemsaveMs) } : {}),
            ...(setup.keepRam ? { keptAt: setup.ram.path } : {}),
          },
        }
      : {}),
    ...(found.xen
      ? { xen: { lines: xenLines.length, wrapped: found.xen.wrapped, address: hex(setup.base + found.xen.offset) } }
      : {}),
    ...(found.linux
      ? {
          linux: {
            records: linuxLines.length,
            lengths: found.linux.lengths,
            address: hex(setup.base + found.linux.offset),
          },
        }
      : {}),
    telling: tellingLines(
      [
        { source: "xen", lines: xenLines },
        { source: "linux", lines: linuxLines },
        { source: "console", lines: liveLines },
      ],
      extraPatterns,
    ),
    ...(live?.liveKeys
      ? {
          liveKeys: {
            sent: live.liveKeys.sent,
            answered: live.liveKeys.answered,
            ms: Math.round(live.liveKeys.ms),
            lines: liveLines.length,
          },
        }
      : {}),
    tails: { xen: xenLines.slice(-TAIL), linux: linuxLines.slice(-TAIL), liveKeys: liveLines.slice(-TAIL) },
    files,
    ms: Math.round(performance.now() - started),
    ...(live ? { liveMs: Math.round(live.ms) } : {}),
  };
  await writeFile(postMortemFile(dir, "json"), `${JSON.stringify(pm, null, 2)}\n`);
  if (xenLines.length) await writeFile(postMortemFile(dir, "xen"), `${xenLines.join("\n")}\n`);
  if (found.linux && linuxLines.length)
    await writeFile(postMortemFile(dir, "linux"), `${found.linux.records.map(kernelLine).join("\n")}\n`);
  if (live?.registers) await writeFile(postMortemFile(dir, "registers"), live.registers);
  if (liveLines.length)
    await writeFile(postMortemFile(dir, "liveKeys"), `# typed: ${live!.liveKeys!.sent}\n${liveLines.join("\n")}\n`);
  return pm;
}

/** A post-mortem that could not even start (setup failed): the one-line reason, nothing else. */
export function missingPostMortem(reason: string): PostMortem {
  return { missing: reason, vcpus: [], telling: [], tails: { xen: [], linux: [], liveKeys: [] }, files: [], ms: 0 };
}

/** Every recovered line, for knownBad `shows`. */
export function recoveredLines(pm: PostMortem | undefined): string[] {
  return pm
    ? [
        ...pm.telling.map((t) => t.line),
        ...pm.vcpus.map((v) => v.text),
        ...pm.tails.xen,
        ...pm.tails.linux,
        ...pm.tails.liveKeys,
      ]
    : [];
}

const vcpuBrief = (v: VcpuState) =>
  `vCPU${v.index} ${v.level}${v.halted ? " halted" : ""} ${v.owner.replace(/^the /, "")}`;

/** The tail the one-line summary gains: ` — memory shows (XEN) Bad console= option 'dtuart'; dom0: Kernel panic ...; vCPU0 EL1 dom0 kernel`. */
export function memoryShows(pm: PostMortem, xen: boolean): string {
  const said = pm.telling.map((t) => (t.source === "linux" ? `${xen ? "dom0" : "Linux"}: ${t.line}` : t.line));
  const parts = [...said, ...pm.vcpus.map(vcpuBrief)];
  const nothing = !pm.xen && !pm.linux ? ["no Xen console ring or kernel log in RAM"] : [];
  if (pm.missing && !parts.length) return ` — post-mortem: ${pm.missing}`;
  const text = [...(said.length ? [] : nothing), ...parts].join("; ");
  return ` — memory shows ${text}${pm.missing ? ` (post-mortem partial: ${pm.missing})` : ""}`;
}

/** For JUnit's <system-err>: the vCPU table and the last lines of each recovered log. */
export function postMortemText(pm: PostMortem): string {
  const out: string[] = ["== what the machine says (post-mortem) =="];
  if (pm.missing) out.push(`missing: ${pm.missing}`);
  out.push(...(pm.vcpus.length ? pm.vcpus.map((v) => v.text) : ["no vCPU state"]));
  if (pm.telling.length) out.push("", "telling lines:", ...pm.telling.map((t) => `  [${t.source}] ${t.line}`));
  const section = (title: string, lines: string[]) =>
    lines.length ? ["", `-- ${title} (last ${lines.length}) --`, ...lines] : [];
  out.push(
    ...section("Xen console ring", pm.tails.xen),
    ...section("guest kernel log", pm.tails.linux),
    ...section("live keys", pm.tails.liveKeys),
  );
  return out.join("\n");
}

/** For timeline.json and history: what was found and the telling lines, without the logs (those are in their files). */
export function postMortemSummary(pm: PostMortem) {
  const { tails: _tails, ...rest } = pm;
  return rest;
}
