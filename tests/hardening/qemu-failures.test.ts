/**
 * QEMU itself misbehaving: missing, rejecting its arguments, killed mid-boot, or exiting 0 before
 * the last milestone. Each must come out as `infra` or `exited` (never a pass) with a valid JUnit.
 * Fakes stand in for a guest (BOOTLOG_QEMU_AARCH64); "bad argument" uses the real QEMU.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import type { BootResult } from "../../harness/result.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import { fakeExpectation, fakePids, fakeQemu, running, waitFor } from "./fake-qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-qemu-failures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.BOOTLOG_QEMU_AARCH64;
});

/** Boot `exp` on the fake at `script` (or whatever BOOTLOG_QEMU_AARCH64 says) and check what every bad ending must have. */
async function boot(name: string, script: string | undefined, image = script): Promise<BootResult> {
  if (script) process.env.BOOTLOG_QEMU_AARCH64 = script;
  const exp = fakeExpectation(image ?? smallFile(), { name });
  const r = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs") });
  expect(r.ok, r.summary).toBe(false);
  expect(["infra", "exited"]).toContain(r.outcome);
  const xml = readFileSync(join(r.dir, "junit.xml"), "utf8");
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).toMatch(r.outcome === "infra" ? /<error / : /<failure /);
  for (const pid of script ? fakePids(script) : []) expect(running(pid), `fake QEMU ${pid} still running`).toBe(false);
  return r;
}

function smallFile(): string {
  const path = join(dir, "image.bin");
  writeFileSync(path, "not a kernel");
  return path;
}

describe("QEMU failures are infra or exited, never a pass", () => {
  test("binary missing: infra, and the message names the binary", async () => {
    const r = await boot("qemu-missing", "/nonexistent/qemu-system-aarch64", smallFile());
    expect(r.outcome).toBe("infra");
    expect(r.error).toMatch(/QEMU not found or not runnable: \/nonexistent\/qemu-system-aarch64/);
  });

  test("binary not executable: infra", async () => {
    const path = join(dir, "not-executable");
    writeFileSync(path, "#!/bin/sh\n", { mode: 0o644 });
    const r = await boot("qemu-not-executable", path, smallFile());
    expect(r.outcome).toBe("infra");
  });

  test("bad argument (real QEMU): infra with QEMU's own message", async () => {
    const exp = fakeExpectation(smallFile(), { name: "qemu-bad-argument" });
    exp.machine.extraArgs = ["-no-such-option"];
    const r = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs") });
    expect(r.outcome, r.summary).toBe("infra");
    expect(r.error).toMatch(/QEMU failed to start \(exit 1\):.*no-such-option/);
    expect(XMLValidator.validate(readFileSync(join(r.dir, "junit.xml"), "utf8"))).toBe(true);
  });

  test.each(["SIGKILL", "SIGSEGV", "SIGABRT"])("killed by %s mid-boot: infra naming the signal", async (signal) => {
    const script = fakeQemu(
      dir,
      `dies-${signal}`,
      `await out("FAKE-BOOT-1\\r\\nhalfway there"); await sleep(200); process.kill(process.pid, "${signal}"); await forever();`,
    );
    const r = await boot(`killed-${signal.toLowerCase()}`, script);
    expect(r.outcome).toBe("infra");
    expect(r.error).toContain(`QEMU was killed by ${signal}`);
    expect(r.milestones[0]!.at).toBeTypeOf("number");
    expect(readFileSync(r.serialLog, "utf8")).toBe("FAKE-BOOT-1\r\nhalfway there");
  });

  test("killed from outside mid-boot (SIGTERM to QEMU, not from bootlog): infra", async () => {
    const script = fakeQemu(dir, "killed-outside", `await out("FAKE-BOOT-1\\r\\n"); await forever();`);
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    const pending = runBoot(fakeExpectation(script, { name: "killed-outside" }), {
      listeners: [bootFiles],
      runDir: join(dir, "runs"),
    });
    expect(await waitFor(() => fakePids(script).length > 0, 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(fakePids(script)[0]!, "SIGTERM");
    const r = await pending;
    expect(r.outcome, r.summary).toBe("infra");
    expect(r.error).toContain("QEMU was killed by SIGTERM");
  });

  test("exits 0 after the first milestone: exited, not pass", async () => {
    const script = fakeQemu(
      dir,
      "exit0-early",
      `await out("FAKE-BOOT-1\\r\\nReboot in five seconds...\\r\\n"); process.exit(0);`,
    );
    const r = await boot("exit0-early", script);
    expect(r.outcome).toBe("exited");
    expect(r.verdict).toMatchObject({ after: "first", pending: "prompt", cause: { kind: "exit", code: 0 } });
  });

  test("exits 0 without a word: exited", async () => {
    const script = fakeQemu(dir, "exit0-silent", `process.exit(0);`);
    const r = await boot("exit0-silent", script);
    expect(r.outcome).toBe("exited");
    expect(r.verdict?.after).toBe("start");
  });

  test("exits 1 without a word: infra (failed to start)", async () => {
    const script = fakeQemu(
      dir,
      "exit1-silent",
      `process.stderr.write("qemu: could not load kernel\\n"); process.exit(1);`,
    );
    const r = await boot("exit1-silent", script);
    expect(r.outcome).toBe("infra");
    expect(r.error).toContain("could not load kernel");
  });

  test("control: the last milestone, then exit 0, is a pass (the verdict came first)", async () => {
    const script = fakeQemu(
      dir,
      "prompt-then-exit",
      `await out("FAKE-BOOT-1\\r\\nFAKE-PROMPT # "); await sleep(300); process.exit(0);`,
    );
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    const r = await runBoot(fakeExpectation(script, { name: "prompt-then-exit" }), {
      listeners: [bootFiles],
      runDir: join(dir, "runs"),
    });
    expect(r.outcome, r.summary).toBe("pass");
  });
});
