import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { busyboxInitrd, deb, debianKernel } from "../../harness/expectations/define.ts";
import { linuxPanics, xenPanics } from "../../harness/expectations/failure-patterns.ts";
import { ExpectationError, loadExpectationFile, validateExpectation } from "../../harness/expectations/loader.ts";

const FILE = "expectations/bad.ts";

/** A valid arm64 Xen + dom0 expectation (what expectations/arm64-xen-dom0.ts would hold). A fresh copy per call. */
function base(): any {
  return {
    name: "arm64-xen-dom0",
    description: "Xen 4.17 + Debian dom0 on QEMU virt, loaded directly",
    machine: {
      arch: "aarch64",
      memory: "2G",
      cpus: 2,
      cpu: "cortex-a57",
      firmware: "direct",
      virtualization: true,
      gic: 3,
    },
    images: {
      xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
      kernel: debianKernel("arm64"),
      initrd: busyboxInitrd(),
    },
    boot: {
      xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M",
      linux: "console=hvc0 earlycon=xen rdinit=/init",
    },
    milestones: [
      { id: "xen-banner", match: /Xen version 4\.17/, within: "10s" },
      { id: "dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
      { id: "linux-banner", match: /Linux version 6\.1/, within: "30s" },
      { id: "run-init", match: "Run /init as init process" },
      { id: "dom0-init", match: /dom0 init: .* xen: xen/ },
      { id: "dom0-shell", match: "/ # ", send: "uname -r\n" },
      { id: "uname", match: { regex: "^6\\.1\\.0-\\d+-arm64$" } },
    ],
    failOn: [...linuxPanics, ...xenPanics],
    silence: "15s",
    budget: "120s",
  };
}

/** The ExpectationError thrown for `value`, or a failure when it validates. */
function rejection(value: unknown): ExpectationError {
  try {
    validateExpectation(FILE, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpectationError);
    return error as ExpectationError;
  }
  throw new Error("validated, but should have been rejected");
}

describe("a valid expectation", () => {
  test("the base validates, with durations in seconds and derived tags", () => {
    const e = validateExpectation(FILE, base());
    expect(e.file).toBe(FILE);
    expect(e.silenceS).toBe(15);
    expect(e.budgetS).toBe(120);
    expect(e.milestones.map((m) => m.id)).toEqual([
      "xen-banner",
      "dom0-loading",
      "linux-banner",
      "run-init",
      "dom0-init",
      "dom0-shell",
      "uname",
    ]);
    expect(e.failOn).toHaveLength(linuxPanics.length + xenPanics.length);
    expect(e.tags).toEqual(["aarch64", "arm64", "direct", "xen"]);
  });

  test("optional parts may be left out; knownBad after a real milestone or start is fine", () => {
    const b = base();
    delete b.failOn;
    delete b.boot;
    b.knownBad = { outcome: "hang", after: "start", reason: "no EL2" };
    expect(validateExpectation(FILE, b).failOn).toEqual([]);
    b.knownBad = {
      outcome: "fail",
      after: "dom0-loading",
      reason: "no dom0 kernel",
      tracking: "https://example.invalid/1",
    };
    expect(validateExpectation(FILE, b).knownBad?.after).toBe("dom0-loading");
  });

  test("durations in ms, m and fractions parse", () => {
    const b = base();
    b.silence = "1.5s";
    b.budget = "2m";
    b.milestones[0].within = "500ms";
    const e = validateExpectation(FILE, b);
    expect([e.silenceS, e.budgetS]).toEqual([1.5, 120]);
  });
});

type Case = [title: string, field: string, mutate: (b: ReturnType<typeof base>) => void, problem?: RegExp];

const cases: Case[] = [
  [
    "milestone id with capitals and a space",
    "milestones[1].id",
    (b) => (b.milestones[1].id = "Dom0 Loading"),
    /lower-case/,
  ],
  ['milestone id "start" is reserved', "milestones[0].id", (b) => (b.milestones[0].id = "start"), /reserved/],
  [
    "duplicate milestone ids",
    "milestones[3].id",
    (b) => (b.milestones[3].id = "dom0-loading"),
    /duplicate milestone id "dom0-loading" \(also milestones\[1\]\)/,
  ],
  [
    "knownBad.after naming no milestone",
    "knownBad.after",
    (b) => (b.knownBad = { outcome: "hang", after: "linux-bannr", reason: "r" }),
    /names no milestone: "linux-bannr"/,
  ],
  ["knownBad.outcome pass", "knownBad.outcome", (b) => (b.knownBad = { outcome: "pass", after: "start", reason: "r" })],
  [
    "knownBad.outcome infra",
    "knownBad.outcome",
    (b) => (b.knownBad = { outcome: "infra", after: "start", reason: "r" }),
  ],
  ["knownBad without a reason", "knownBad.reason", (b) => (b.knownBad = { outcome: "hang", after: "start" })],
  ['within "10x"', "milestones[0].within", (b) => (b.milestones[0].within = "10x"), /not a duration/],
  ['within "-1s"', "milestones[2].within", (b) => (b.milestones[2].within = "-1s"), /not a duration/],
  ['silence "0s"', "silence", (b) => (b.silence = "0s"), /must be > 0/],
  ["budget as a number", "budget", (b) => (b.budget = 120)],
  ["budget missing", "budget", (b) => delete b.budget],
  ["unknown arch", "machine.arch", (b) => (b.machine.arch = "riscv64"), /"aarch64"\|"arm"\|"x86_64"/],
  ["Debian's arch name instead of QEMU's", "machine.arch", (b) => (b.machine.arch = "arm64")],
  [
    "virtualization on x86_64",
    "machine.virtualization",
    (b) => {
      b.machine = { arch: "x86_64", memory: "2G", cpus: 2, firmware: "direct", virtualization: true };
    },
    /only aarch64/,
  ],
  ['memory "2GB"', "machine.memory", (b) => (b.machine.memory = "2GB"), /"2G" or "512M"/],
  ["cpus 0", "machine.cpus", (b) => (b.machine.cpus = 0)],
  ["cpus 2.5", "machine.cpus", (b) => (b.machine.cpus = 2.5)],
  ["gic 4", "machine.gic", (b) => (b.machine.gic = 4)],
  ["unknown firmware", "machine.firmware", (b) => (b.machine.firmware = "uefi")],
  ["unknown key inside machine", "machine.kind", (b) => (b.machine.kind = "virt"), /unknown key "kind"/],
  [
    "firmware direct without images.kernel or xen",
    "images.kernel",
    (b) => {
      delete b.images.xen;
      delete b.images.kernel;
    },
    /firmware "direct" needs images.kernel/,
  ],
  ["firmware image without images.image", "images.image", (b) => (b.machine.firmware = "image"), /needs images.image/],
  [
    "bad image kind",
    "images.xen.kind",
    (b) => (b.images.xen = { kind: "tarball", path: "boot/xen" }),
    /'deb' \| 'busybox-initrd' \| 'file'/,
  ],
  [
    "deb image without a path",
    "images.kernel.path",
    (b) => (b.images.kernel = { kind: "deb", package: "linux-image-arm64" }),
  ],
  [
    "file image env not a variable name",
    "images.firmware.env",
    (b) => (b.images.firmware = { kind: "file", env: "my firmware" }),
  ],
  ["unknown top-level key", "timeout", (b) => (b.timeout = "60s"), /unknown key "timeout"/],
  [
    "unknown key inside a milestone",
    "milestones[2].timeout",
    (b) => (b.milestones[2].timeout = "30s"),
    /unknown key "timeout"/,
  ],
  ["empty milestones", "milestones", (b) => (b.milestones = []), /at least one milestone/],
  [
    'invalid regex {regex: "("}',
    "milestones[4].match",
    (b) => (b.milestones[4].match = { regex: "(" }),
    /invalid regex/,
  ],
  [
    "invalid regex flags",
    "milestones[6].match",
    (b) => (b.milestones[6].match = { regex: "a", flags: "zz" }),
    /invalid regex/,
  ],
  ["a milestone with send but no match", "milestones[5].match", (b) => delete b.milestones[5].match, /is required/],
  [
    "an empty literal pattern",
    "milestones[1].match",
    (b) => (b.milestones[1].match = ""),
    /empty pattern matches everything/,
  ],
  ["an empty send", "milestones[5].send", (b) => (b.milestones[5].send = "")],
  ["a send that is neither text nor function", "milestones[5].send", (b) => (b.milestones[5].send = 42)],
  ["bad name with spaces", "name", (b) => (b.name = "arm64 xen dom0"), /lower-case/],
  ["failOn entry without id", "failOn[0].id", (b) => (b.failOn = [{ match: "Kernel panic" }])],
  ["failOn nth 0", "failOn[0].nth", (b) => (b.failOn = [{ id: "reset", match: /^U-Boot 20/, nth: 0 }])],
  ["failOn with an empty pattern", "failOn[1].match", (b) => (b.failOn = [linuxPanics[0], { id: "x", match: "" }])],
  ["tags with an empty tag", "tags[1]", (b) => (b.tags = ["nightly", ""])],
];

describe("malformed expectations name the file and the field", () => {
  test("there are plenty of them", () => {
    expect(cases.length).toBeGreaterThanOrEqual(22);
  });

  test.each(cases)("%s → %s", (_title, field, mutate, problem) => {
    const b = base();
    mutate(b);
    const error = rejection(b);
    expect(error.file).toBe(FILE);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(field ? `${FILE}: ${field}: ` : `${FILE}: `)).toBe(true);
    // One mistake, one issue: the message does not pile up unrelated problems.
    expect(error.message).not.toMatch(/\(and \d+ more\)/);
    if (problem) expect(error.problem).toMatch(problem);
  });

  test("several mistakes: the first is named, the others counted", () => {
    const b = base();
    b.machine.cpus = 0;
    b.silence = "soon";
    const error = rejection(b);
    expect(error.field).toBe("machine.cpus");
    expect(error.message).toMatch(/\(and 1 more\)$/);
  });

  test("not an object at all", () => {
    expect(rejection(undefined).message).toMatch(/^expectations\/bad\.ts: /);
    expect(rejection("arm64").file).toBe(FILE);
  });
});

describe("loadExpectationFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-expect-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  async function loadError(path: string): Promise<ExpectationError> {
    try {
      await loadExpectationFile(path);
    } catch (error) {
      expect(error).toBeInstanceOf(ExpectationError);
      return error as ExpectationError;
    }
    throw new Error(`${path} loaded, but should have been rejected`);
  }

  test("a syntax error names the file", async () => {
    const error = await loadError(
      write("syntax-error.ts", 'export default {\n  name: "broken",\n  milestones: [\n};\n'),
    );
    expect(error.file).toMatch(/syntax-error\.ts$/);
    expect(error.message).toMatch(/syntax-error\.ts: cannot be loaded: /);
    expect(error.field).toBe("");
  });

  test("no default export names the file", async () => {
    const error = await loadError(write("no-default.ts", 'export const spec = { name: "nameless" };\n'));
    expect(error.file).toMatch(/no-default\.ts$/);
    expect(error.message).toMatch(/no-default\.ts: has no default export/);
  });

  test("a file whose default export is malformed names the file and the field", async () => {
    const b = base();
    const text = `export default ${JSON.stringify({ ...b, milestones: [{ id: "a", match: "x", within: "10x" }], failOn: [] })};\n`;
    const error = await loadError(write("bad-within.ts", text));
    expect(error.file).toMatch(/bad-within\.ts$/);
    expect(error.field).toBe("milestones[0].within");
    expect(error.message).toMatch(/bad-within\.ts: milestones\[0\]\.within: not a duration/);
  });

  test("a good file loads, remembering where it came from", async () => {
    const b = base();
    const text = `export default ${JSON.stringify({ ...b, milestones: [{ id: "shell", match: "/ # " }], failOn: [] })};\n`;
    const path = write("good.ts", text);
    const e = await loadExpectationFile(path);
    expect(e.name).toBe("arm64-xen-dom0");
    expect(e.file).toMatch(/good\.ts$/);
    expect(e.milestones).toEqual([{ id: "shell", match: "/ # " }]);
  });
});
