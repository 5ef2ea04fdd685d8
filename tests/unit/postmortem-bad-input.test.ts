import { afterAll, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureAlive, examineRam, setUpPostMortem, type PostMortemSetup } from "../../harness/postmortem/capture.ts";
import { placeRam } from "../../harness/postmortem/guest-ram.ts";
import { concludePostMortem, memoryShows } from "../../harness/postmortem/index.ts";
import { missingPostMortem } from "../../harness/postmortem/summary.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";

// Whatever breaks, the post-mortem says why in one line, quickly, and never throws or hangs.
const tmp = mkdtempSync(join(tmpdir(), "bootlog-pm-bad-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const exp = validateExpectation("inline", {
  name: "bad-input",
  machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
  images: { kernel: { kind: "file", path: "/nonexistent" } },
  milestones: [{ id: "x", match: "x" }],
  silence: "1s",
  budget: "2s",
});

function setup(over: Partial<PostMortemSetup> = {}): PostMortemSetup {
  const s = setUpPostMortem({
    mode: "on",
    keepRam: false,
    dir: tmp,
    name: "bad",
    bytes: 2 ** 30,
    vcpuContext: { arch: "aarch64", xen: true, loads: [] },
    shmDir: tmp,
  })!;
  return { ...s, ...over };
}

const oneLine = (text: string | undefined) => expect(text).toMatch(/^[^\n]+$/);

describe("QMP", () => {
  test("socket gone (QEMU already dead): vCPU state missing, said in one line, at once", async () => {
    const t = performance.now();
    const live = await captureAlive(setup({ qmpSocket: join(tmp, "gone.sock") }), undefined, undefined);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(live.vcpus).toEqual([]);
    expect(live.problems).toHaveLength(1);
    oneLine(live.problems[0]);
    expect(live.problems[0]).toMatch(/^vCPU state missing: QMP .*gone\.sock: connect ENOENT/);
  });

  test("a QEMU that accepts but never answers: bounded by the QMP timeout", async () => {
    const path = join(tmp, "mute.sock");
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const t = performance.now();
    const live = await captureAlive(setup({ qmpSocket: path }), undefined, undefined);
    server.close();
    expect(performance.now() - t).toBeLessThan(3000);
    expect(live.problems[0]).toMatch(/^vCPU state missing: QMP .*no answer within 2000 ms$/);
  });
});

describe("RAM image", () => {
  test("missing: one line, nothing recovered", async () => {
    const found = await examineRam(
      setup({ ram: { kind: "file", path: join(tmp, "no-such.ram") } }),
      performance.now() + 5000,
    );
    expect(found.problem).toBe(`RAM image missing: ${join(tmp, "no-such.ram")} does not exist`);
    expect(found.xen).toBeUndefined();
  });

  test("unreadable (a directory): one line", async () => {
    const found = await examineRam(setup({ ram: { kind: "file", path: tmp } }), performance.now() + 5000);
    expect(found.problem).toMatch(/^RAM image unreadable: EISDIR/);
    oneLine(found.problem);
  });

  test("out of time: the scan stops and says how far it got", async () => {
    const path = join(tmp, "big.ram");
    writeFileSync(path, Buffer.alloc(32 << 20, 1));
    const found = await examineRam(setup({ ram: { kind: "file", path } }), performance.now() - 1);
    expect(found.problem).toMatch(/^RAM image unreadable: RAM scan of .* ran out of time after 0 MiB$/);
  });
});

describe("/dev/shm", () => {
  test("too small (Docker's 64 MB): RAM stays anonymous and is copied out with pmemsave, and the reason is kept", () => {
    const placed = placeRam(2 ** 31, "x", tmp, "/dev/shm", 64 * 2 ** 20);
    expect(placed).toEqual({
      kind: "pmemsave",
      path: join(tmp, "guest-ram.bin"),
      why: "/dev/shm has 64 MiB free, the guest needs 2048 MiB (+256 MiB margin)",
    });
  });

  test("absent: the same fallback, naming the error", () => {
    const placed = placeRam(2 ** 31, "x", tmp, join(tmp, "no-shm"));
    expect(placed.kind).toBe("pmemsave");
    expect(placed.kind === "pmemsave" && placed.why).toMatch(/no-shm unusable: ENOENT/);
  });

  test("roomy: file-backed RAM there, named after the boot and unique", () => {
    const a = placeRam(2 ** 20, "boot", tmp, tmp, 2 ** 40);
    const b = placeRam(2 ** 20, "boot", tmp, tmp, 2 ** 40);
    expect(a.kind).toBe("file");
    expect(a.path).toMatch(new RegExp(`^${tmp}/bootlog-${process.pid}-boot-[0-9a-f]{6}\\.ram$`));
    expect(a.path).not.toBe(b.path);
  });
});

describe("the verdict is unchanged, the summary says why the post-mortem is missing", () => {
  test("QEMU had already exited and the RAM file is gone: two reasons, one line", async () => {
    const dir = mkdtempSync(join(tmp, "boot-"));
    const pm = await concludePostMortem(
      exp,
      setup({ ram: { kind: "file", path: join(tmp, "gone.ram") } }),
      undefined,
      dir,
    );
    expect(pm.missing).toBe(
      `vCPU state missing: QEMU had already exited; RAM image missing: ${join(tmp, "gone.ram")} does not exist`,
    );
    expect(memoryShows(pm, true)).toBe(` — post-mortem: ${pm.missing}`);
  });

  test("artifacts directory gone (disk trouble): the post-mortem fails in one line instead of throwing", async () => {
    const pm = await concludePostMortem(
      exp,
      setup({ ram: { kind: "file", path: join(tmp, "gone.ram") } }),
      undefined,
      join(tmp, "no-such-dir"),
    );
    expect(pm.missing).toMatch(/^post-mortem failed: ENOENT: no such file or directory, open '.*postmortem\.json'$/);
  });

  test("a setup problem is a post-mortem problem only", () => {
    expect(memoryShows(missingPostMortem('post-mortem not set up: machine.memory: cannot size "2T"'), false)).toBe(
      ' — post-mortem: post-mortem not set up: machine.memory: cannot size "2T"',
    );
  });
});
