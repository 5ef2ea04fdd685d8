/**
 * A `within` or budget window that the host, not the guest, runs out (issue 20, item 2): the
 * boot is infra ("host starved"), exit 125, never a timeout. The "QEMU" is a bash stand-in whose
 * one thread is named like QEMU's vCPU ("CPU 0/TCG") and wants the CPU all the time; console
 * ticks come from a second process (no vCPU time), so the silence window never starves and the
 * pending window is the one judged. Starved: the stand-in's scheduling group at nice 19 on host
 * CPU 0 beside a busy loop whose group is at -5 (tests/helpers/busy-host.ts says why groups):
 * it gets well under 1 % of the CPU, so its clock stays far short of a 2 s window in the 8 s of
 * wall time the bound allows. The same stand-in without the loop times out: the control.
 *
 * It loads a host CPU on purpose, so it runs in the "boot-alone" project, after the others.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { STARVED_RATIO } from "../../harness/runner/host-starved.ts";
import { bootlog } from "../helpers/cli.ts";
import { fakeExpectationFile } from "./fake-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-starved-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The busy loop is a session of its own (so a scheduling group of its own): killed after each test.
const SPINNER = join(dir, "spinner.pid");
const qemu = join(dir, "starvable-qemu");
writeFileSync(
  qemu,
  `#!/bin/bash
if [[ " $* " == *" --version "* ]]; then echo "QEMU emulator version 7.2.0 (fake, starvable)"; exit 0; fi
printf 'FAKE-BOOT-1\\r\\n'
# The ticks: on CPU 1, in the stand-in's process group (stopped with it, as QEMU's own threads are).
( exec taskset -c 1 sh -c 'while sleep 0.3; do printf "tick\\r\\n"; done' ) &
printf 'CPU 0/TCG' > /proc/$$/comm
taskset -p -c 0 $$ > /dev/null
if [ "$STARVE" = 1 ]; then
  # 12 s: past the bound (4 x 2 s) with room, and short: a starved stand-in dies of SIGKILL only once it gets the CPU.
  setsid sh -c 'echo -5 > /proc/self/autogroup; echo $$ > ${SPINNER}; exec taskset -c 0 nice -n -5 timeout -s KILL 12 sh -c "while :; do :; done"' &
  echo 19 > /proc/self/autogroup
  renice -n 19 -p $$ > /dev/null
fi
while :; do :; done
`,
);
chmodSync(qemu, 0o755);

afterEach(() => {
  if (!existsSync(SPINNER)) return;
  try {
    process.kill(-Number(readFileSync(SPINNER, "utf8")), "SIGKILL");
  } catch {
    // gone already
  }
  rmSync(SPINNER);
});

const windows = {
  within: { milestones: `[{ id: "first", match: "FAKE-BOOT-1" }, { id: "never", match: "NEVER", within: "2s" }]` },
  budget: { milestones: `[{ id: "first", match: "FAKE-BOOT-1" }, { id: "never", match: "NEVER" }]`, budget: `"2s"` },
};

const boot = (window: keyof typeof windows, starve: boolean) => {
  const expectations = join(dir, `${window}-${starve}`);
  fakeExpectationFile(expectations, "starvable", { silence: `"2s"`, ...windows[window] });
  return bootlog(
    ["run", "--expectations", expectations, "--artifacts", join(expectations, "artifacts"), "--postmortem", "off"],
    { BOOTLOG_QEMU_AARCH64: qemu, STARVE: starve ? "1" : "0" },
  );
};

describe.each(Object.keys(windows) as (keyof typeof windows)[])("a %s window", (window) => {
  test(`run out by the host: infra (125), "host starved", after ${STARVED_RATIO} × the window in wall time`, async () => {
    const r = await boot(window, true);
    expect(r.all).toMatch(
      /host starved: QEMU waited [\d.]+ s for a CPU during [\d.]+ s of waiting for the next deadline/,
    );
    expect(r.all).not.toMatch(/TIMEOUT|HANG/);
    expect(r.code).toBe(125);
  });

  test("run out by the guest (the control: nothing else on the CPU): a timeout (1)", async () => {
    const r = await boot(window, false);
    expect(r.all).toMatch(/TIMEOUT/);
    expect(r.all).not.toMatch(/host starved/);
    expect(r.code).toBe(1);
  });
});
