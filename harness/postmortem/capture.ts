import { closeSync, existsSync, openSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import pTimeout from "p-timeout";
import { QmpClient } from "./qmp.ts";
import { placeRam, postMortemArgv, qmpSocketPath, type RamPlacement } from "./guest-ram.ts";
import { scanRam, type RamScanStats } from "./ram-scan.ts";
import { XenRingPass, type XenRing } from "./xen-ring.ts";
import { PrintkPass, type PrintkLog } from "./printk-ring.ts";
import { parseVcpus, type VcpuContext, type VcpuState } from "./vcpus.ts";
import { liveKeySequence, typeLiveKeys, type LiveConsole, type LiveKeysResult } from "./live-keys.ts";

/** `on`: after every hang, timeout, fail and exited; `always`: after a pass too; `off`: never (no QMP, plain RAM). */
export type PostMortemMode = "on" | "always" | "off";

export interface PostMortemOptions {
  mode?: PostMortemMode;
  /** Leave the guest RAM file in place (its path is in postmortem.json). */
  keepRam?: boolean;
  /** Where file-backed RAM goes (default /dev/shm, or $BOOTLOG_SHM_DIR): tests point it at a full or missing one. */
  shmDir?: string;
}

/** Decided before QEMU starts: where RAM goes, the QMP socket, and the extra QEMU options for both. */
export interface PostMortemSetup {
  mode: PostMortemMode;
  keepRam: boolean;
  ram: RamPlacement;
  /** Guest-physical address of the first RAM byte. */
  base: number;
  bytes: number;
  qmpSocket: string;
  argv: string[];
  vcpuContext: VcpuContext;
  /** Held open once QEMU created the RAM file, which is then unlinked: nothing is left in /dev/shm, even if bootlog is killed. */
  ramFd?: number;
}

/** What was learnt while QEMU still ran. */
export interface LiveCapture {
  vcpus: VcpuState[];
  /** QEMU's `info registers -a`, as it printed it. */
  registers?: string;
  problems: string[];
  liveKeys?: LiveKeysResult;
  qmpMs: number;
  pmemsaveMs?: number;
  /** All of it: live keys, QMP, pmemsave. */
  ms: number;
}

export const CAPTURE_TIMEOUT_MS = 10_000;
const QMP_TIMEOUT_MS = 2_000;

export function setUpPostMortem(opts: {
  mode: PostMortemMode;
  keepRam: boolean;
  dir: string;
  name: string;
  bytes: number;
  vcpuContext: VcpuContext;
  shmDir?: string;
}): PostMortemSetup | undefined {
  if (opts.mode === "off") return undefined;
  const ram = placeRam(opts.bytes, opts.name, opts.dir, opts.shmDir);
  const qmpSocket = qmpSocketPath(opts.dir);
  const base = opts.vcpuContext.arch === "x86_64" ? 0 : 0x4000_0000;
  return {
    mode: opts.mode,
    keepRam: opts.keepRam,
    ram,
    base,
    bytes: opts.bytes,
    qmpSocket,
    argv: postMortemArgv(ram, opts.bytes, qmpSocket),
    vcpuContext: opts.vcpuContext,
  };
}

/** Once QEMU has created the RAM file: keep it open and unlink it, unless the user wants to keep it. */
export function adoptRamFile(setup: PostMortemSetup): void {
  if (setup.ram.kind !== "file" || setup.keepRam || setup.ramFd !== undefined || !existsSync(setup.ram.path)) return;
  try {
    setup.ramFd = openSync(setup.ram.path, "r");
    unlinkSync(setup.ram.path);
  } catch {
    // read by path later, and removed by releasePostMortem
  }
}

/** Adopt the RAM file as soon as QEMU has made it (it does before the guest runs); returns a stop function. */
export function adoptRamFileSoon(setup: PostMortemSetup): () => void {
  if (setup.ram.kind !== "file" || setup.keepRam) return () => {};
  const timer = setInterval(() => {
    adoptRamFile(setup);
    if (setup.ramFd !== undefined) clearInterval(timer);
  }, 50);
  return () => clearInterval(timer);
}

export function wantsPostMortem(setup: PostMortemSetup | undefined, outcome: string): setup is PostMortemSetup {
  return !!setup && (setup.mode === "always" || outcome !== "pass");
}

const short = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;

/**
 * While QEMU still runs: live keys (if the console answered before), then freeze the guest and
 * read every vCPU's registers, and (no file-backed RAM) copy RAM out with pmemsave. Bounded by
 * CAPTURE_TIMEOUT_MS; failures become one-line problems, never exceptions.
 */
export async function captureAlive(
  setup: PostMortemSetup,
  console: LiveConsole | undefined,
  liveKeys: { xen: boolean; hvcSysrq: boolean } | undefined,
): Promise<LiveCapture> {
  const started = performance.now();
  const capture: LiveCapture = { vcpus: [], problems: [], qmpMs: 0, ms: 0 };
  if (console && liveKeys && (liveKeys.xen || liveKeys.hvcSysrq))
    capture.liveKeys = await typeLiveKeys(console, liveKeySequence(liveKeys.xen, liveKeys.hvcSysrq));
  let qmp: QmpClient | undefined;
  const work = (async () => {
    qmp = await QmpClient.connect(setup.qmpSocket, QMP_TIMEOUT_MS);
    await qmp.execute("stop");
    const registers = await qmp.hmp("info registers -a");
    capture.registers = registers.replace(/\r/g, "");
    capture.vcpus = parseVcpus(registers, setup.vcpuContext);
    if (!capture.vcpus.length) capture.problems.push("QEMU's info registers named no vCPU");
    capture.qmpMs = performance.now() - started;
    if (setup.ram.kind === "pmemsave") {
      const t = performance.now();
      qmp.setTimeout(CAPTURE_TIMEOUT_MS);
      await qmp.execute("pmemsave", { val: setup.base, size: setup.bytes, filename: setup.ram.path });
      capture.pmemsaveMs = performance.now() - t;
    }
  })();
  try {
    await pTimeout(work, {
      milliseconds: CAPTURE_TIMEOUT_MS,
      message: `QMP did not finish within ${CAPTURE_TIMEOUT_MS / 1000} s`,
    });
  } catch (error) {
    capture.problems.push(`vCPU state missing: ${short(error)}`);
  } finally {
    qmp?.close();
  }
  capture.ms = performance.now() - started;
  return capture;
}

export interface RamFindings {
  xen?: XenRing;
  linux?: PrintkLog;
  stats?: RamScanStats;
  how: string;
  problem?: string;
}

/** After QEMU stopped: scan the RAM file (or the pmemsave copy) for Xen's ring and Linux's log. */
export async function examineRam(setup: PostMortemSetup, deadline: number): Promise<RamFindings> {
  const how =
    setup.ram.kind === "file"
      ? `file-backed RAM in ${setup.ram.path}`
      : `QMP pmemsave to ${setup.ram.path} (${setup.ram.why})`;
  const path = setup.ramFd !== undefined ? `/proc/self/fd/${setup.ramFd}` : setup.ram.path;
  if (setup.ramFd === undefined && !existsSync(path))
    return { how, problem: `RAM image missing: ${setup.ram.path} does not exist` };
  const xen = new XenRingPass();
  const images = setup.vcpuContext.loads
    .filter((l) => !l.image.startsWith("U-Boot"))
    .map((l) => ({ start: l.start - setup.base, end: l.end - setup.base }));
  const linux = new PrintkPass((offset) => images.some((r) => offset >= r.start && offset < r.end));
  try {
    const stats = await scanRam(path, [xen, linux], deadline);
    const [ring, log] = [xen.result(), linux.result()];
    return { how, stats, ...(ring ? { xen: ring } : {}), ...(log ? { linux: log } : {}) };
  } catch (error) {
    return { how, problem: `RAM image unreadable: ${short(error)}` };
  }
}

/** Close and remove what the post-mortem made: the RAM file (unless kept), the pmemsave copy, the socket. */
export function releasePostMortem(setup: PostMortemSetup | undefined): void {
  if (!setup) return;
  if (setup.ramFd !== undefined) {
    try {
      closeSync(setup.ramFd);
    } catch {
      // already closed
    }
    setup.ramFd = undefined;
  }
  if (!setup.keepRam) rmSync(setup.ram.path, { force: true });
  rmSync(setup.qmpSocket, { force: true });
}

export const POSTMORTEM_FILES = {
  json: "postmortem.json",
  xen: "xen-ring.log",
  linux: "guest-kernel.log",
  liveKeys: "live-keys.log",
  registers: "vcpu-registers.log",
} as const;
export const postMortemFile = (dir: string, key: keyof typeof POSTMORTEM_FILES) => join(dir, POSTMORTEM_FILES[key]);
