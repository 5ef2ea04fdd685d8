/**
 * Harness wall time to the dom0 prompt vs a plain QEMU run of the same argv read by a minimal
 * pipe reader; same run, rounds interleaved (plain, harness, CLI), median of 3 each.
 * Goals: harness / plain <= 1.05, and the same for the CLI (start-up and all) / plain.
 *
 * - plain: spawn QEMU with the harness's argv, read stdout until "/ # ".
 * - harness (headline): runBoot() in this process, from the call (image preparation included)
 *   to the prompt milestone ("/ # ").
 * - console path: the same runs, from QEMU's spawn to the milestone (the harness's own `at`).
 * - CLI: `node bin/bootlog.mjs run arm64-xen-dom0`, from spawn to its "<prompt> reached" line.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllExpectations, selectExpectations } from "../harness/expectations/loader.ts";
import { prepareImages } from "../harness/images/prepare.ts";
import { planMachine } from "../harness/machines/plan.ts";
import { qemuFor } from "../harness/machines/qemu.ts";
import { runBoot } from "../harness/runner/run-boot.ts";
import { bootFiles } from "../harness/artifacts/writers.ts";
import { freshBuild } from "../bin/fresh-build.mjs";
import { buildCli } from "../scripts/build-cli.mjs";
import { fmt, median, runIfMain, type BenchResult } from "./lib.ts";

const ROOT = join(import.meta.dirname, "..");
const BOOT = "arm64-xen-dom0";
const ROUNDS = 3;
const GOAL = 1.05;

/** Seconds from spawn until `needle` appears on stdout; the process (own group) is killed then. */
function timeUntil(command: string, args: string[], needle: string, timeoutS = 300): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "ignore"],
      detached: true,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let tail = "";
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${command}: no ${JSON.stringify(needle)} within ${timeoutS} s`));
    }, timeoutS * 1000);
    child.stdout!.on("data", (b: Buffer) => {
      tail = (tail + b.toString("latin1")).slice(-512);
      if (!tail.includes(needle)) return;
      const s = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      stop();
      resolve(s);
    });
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`${command} exited before ${JSON.stringify(needle)}`));
    });
  });
}

export async function wallTime(): Promise<BenchResult[]> {
  // The CLI as `npm ci` leaves it: a dist that matches the sources.
  if (freshBuild(ROOT) === undefined) await buildCli();
  const exp = selectExpectations(await loadAllExpectations(), [BOOT])[0]!;
  // The milestone that is the dom0 shell prompt, whatever its id.
  const PROMPT_ID = exp.milestones.find((m) => m.match === "/ # ")?.id;
  if (!PROMPT_ID) throw new Error(`${BOOT} has no "/ # " milestone`);
  const qemu = await qemuFor(exp.machine.arch);
  const plan = await planMachine(exp, await prepareImages(exp), qemu);
  const dir = mkdtempSync(join(tmpdir(), "bootlog-bench-wall-"));
  const plain: number[] = [];
  const harness: number[] = [];
  const consolePath: number[] = [];
  const cli: number[] = [];
  try {
    // Warm-up, not counted: the first boot of a run pays for reading the images into the page cache.
    await timeUntil(plan.binary, plan.argv, "/ # ");
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so a slow spell on the machine does not always hit the same side.
      if (round % 2 === 0) plain.push(await timeUntil(plan.binary, plan.argv, "/ # "));
      const t0 = performance.now();
      let promptAt: number | undefined;
      let atS: number | undefined;
      const r = await runBoot(exp, {
        runDir: join(dir, `harness-${round}`),
        listeners: [
          bootFiles,
          {
            milestone: (_boot, id, at) => {
              if (id !== PROMPT_ID) return;
              promptAt = (performance.now() - t0) / 1000;
              atS = at;
            },
          },
        ],
      });
      if (promptAt === undefined || atS === undefined)
        throw new Error(`harness run did not reach ${PROMPT_ID}: ${r.summary}`);
      harness.push(promptAt);
      consolePath.push(atS);
      if (round % 2 === 1) plain.push(await timeUntil(plan.binary, plan.argv, "/ # "));
      cli.push(
        await timeUntil(
          process.execPath,
          [join(ROOT, "bin/bootlog.mjs"), "run", BOOT, "--artifacts", join(dir, `cli-${round}`)],
          `${PROMPT_ID} reached`,
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const p = median(plain);
  const ratio = median(harness) / p;
  const cliRatio = median(cli) / p;
  const list = (xs: number[]) => xs.map((x) => fmt(x)).join(", ");
  return [
    {
      name: `wall time to the dom0 prompt, harness / plain QEMU (${BOOT}, median of ${ROUNDS})`,
      figure: `${fmt(ratio)} (harness ${fmt(median(harness))} s, plain ${fmt(p)} s)`,
      goal: `<= ${GOAL}`,
      ok: ratio <= GOAL,
      notes: [
        `plain QEMU + pipe reader: ${list(plain)} s (one warm-up boot before, not counted)`,
        `paired ratios harness / plain, round by round: ${harness.map((h, i) => fmt(h / plain[i]!)).join(", ")}`,
        `harness runBoot (prepare included): ${list(harness)} s`,
        `harness console path only (QEMU spawn to milestone): ${list(consolePath)} s → ratio ${fmt(median(consolePath) / p)}`,
      ],
    },
    {
      name: `wall time to the dom0 prompt, CLI / plain QEMU (${BOOT}, median of ${ROUNDS}, same rounds)`,
      figure: `${fmt(cliRatio)} (CLI ${fmt(median(cli))} s, plain ${fmt(p)} s)`,
      goal: `<= ${GOAL}`,
      ok: cliRatio <= GOAL,
      notes: [
        `CLI (node bin/bootlog.mjs run, spawn to the milestone line, ${freshBuild(ROOT) ? "dist" : "tsx: no fresh dist"}): ${list(cli)} s`,
        `paired ratios CLI / plain, round by round: ${cli.map((c, i) => fmt(c / plain[i]!)).join(", ")}`,
      ],
    },
  ];
}

await runIfMain(import.meta.url, wallTime);
