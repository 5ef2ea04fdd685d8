/**
 * bootlog killed mid-boot (a real arm64 Xen boot, after its first milestone): by SIGINT and
 * SIGTERM its handlers stop QEMU; by SIGKILL no handler runs and `setpriv --pdeathsig KILL`
 * must take QEMU down with it. Either way: no QEMU left within 2 s, serial.log kept up to the
 * kill, and no half-written JUnit (absent, or complete and valid).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { prepareImages } from "../../harness/images/prepare.ts";
import { expectationNamed } from "../helpers/boot.ts";
import { childrenOf, running, waitFor } from "./fake-qemu.ts";
import { startBootlog, type StartedCli } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-signals-"));
/** Every QEMU pid a test saw, killed at the end whatever happened (only ours: found as children of our bootlog). */
const seen = new Set<number>();
/**
 * `--image role=path` for every image, prepared once here: the three runs then skip apt
 * (seconds per `apt-cache` call on a host without a persistent pkgcache) and boot the same files.
 */
let imageArgs: string[] = [];
beforeAll(async () => {
  const prepared = await prepareImages(await expectationNamed("arm64-xen-dom0"));
  imageArgs = Object.entries(prepared.images).flatMap(([role, image]) => ["--image", `${role}=${image.path}`]);
}, 240_000);
afterAll(() => {
  for (const pid of seen) if (running(pid)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function startRun(artifacts: string): StartedCli {
  return startBootlog(["run", "arm64-xen-dom0", "--artifacts", artifacts, ...imageArgs], { BOOTLOG_QEMU_AARCH64: "" });
}

/** The boot's directory under artifacts/<run-id>/ (one run per test). */
function bootDir(artifacts: string): string {
  const runs = readdirSync(artifacts).filter((d) => d !== "latest");
  expect(runs).toHaveLength(1);
  return join(artifacts, runs[0]!, "arm64-xen-dom0");
}

function expectNoHalfJunit(path: string): void {
  if (!existsSync(path)) return;
  expect(XMLValidator.validate(readFileSync(path, "utf8")), `${path} is not valid XML`).toBe(true);
}

// The three boots run at once: most of their time is bootlog starting and preparing, not QEMU.
describe("bootlog killed mid-boot", () => {
  test.concurrent.each(["SIGINT", "SIGTERM", "SIGKILL"] as const)(
    "%s: no QEMU left within 2 s, serial.log kept, no half-written JUnit",
    async (signal) => {
      const artifacts = join(dir, signal);
      const bootlog = startRun(artifacts);
      const pid = bootlog.child.pid!;
      try {
        const reached = await waitFor(() => /\] \S+ reached at /.test(bootlog.stdout()), 150_000, 20);
        expect(reached, `no first milestone: ${bootlog.stdout()}${bootlog.stderr()}`).toBe(true);
        const qemus = childrenOf(pid).filter((p) => p.comm.startsWith("qemu-system"));
        expect(
          qemus.map((p) => p.comm),
          "QEMU should be running under bootlog",
        ).toHaveLength(1);
        qemus.forEach((q) => seen.add(q.pid));

        process.kill(pid, signal);
        const exit = await bootlog.exited;
        if (signal === "SIGKILL") expect(exit.signal).toBe("SIGKILL");
        else {
          expect(exit.code).toBe(signal === "SIGINT" ? 130 : 143);
          expect(bootlog.stderr()).toContain(`bootlog: ${signal}: 1 machine(s) stopped`);
        }
        const gone = await waitFor(() => qemus.every((q) => !running(q.pid)), 2000, 20);
        expect(gone, `QEMU ${qemus.map((q) => q.pid).join(", ")} outlived bootlog (${signal})`).toBe(true);

        const boot = bootDir(artifacts);
        const log = readFileSync(join(boot, "serial.log"), "utf8");
        expect(log).toMatch(/\(XEN\) Xen version 4\.17/);
        expectNoHalfJunit(join(boot, "junit.xml"));
        expectNoHalfJunit(join(boot, "..", "junit.xml"));
      } finally {
        if (bootlog.child.exitCode === null && bootlog.child.signalCode === null) bootlog.child.kill("SIGKILL");
      }
    },
    200_000,
  );
});
