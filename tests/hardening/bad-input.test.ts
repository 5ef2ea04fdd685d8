/**
 * Bad input that used to turn into a wrong answer, in-process (tests/hardening/exit-codes.test.ts
 * walks the same through the CLI): catastrophic regexes refused at load and a held-up matcher
 * that is no silence; user images checked before booting; kernel globs kept to one flavour;
 * `latest` the newest started run and never a reason to fail; expectation files that export
 * nothing, never settle, or give impossible durations.
 */
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { validateExpectation, type Expectation } from "../../harness/expectations/loader.ts";
import { oneKernelFlavour } from "../../harness/images/package-versions.ts";
import { userImageProblem } from "../../harness/images/user-image.ts";
import { markLatest } from "../../harness/artifacts/run-dir.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import {
  expectedOutput,
  fakeExpectation,
  fakePids,
  fakeSpec,
  fileDigest,
  playingQemu,
  running,
  type Step,
} from "./fake-qemu.ts";
import { DEFINE, fakeExpectationFile } from "./fake-cli.ts";
import { cac } from "cac";
import { normalizeOptions } from "../../harness/cli-options.ts";
import { checkImageRoles, pickExpectations } from "../../harness/cli-select.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-bad-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.BOOTLOG_QEMU_AARCH64;
});

describe("catastrophic patterns", () => {
  test("refused when the expectation loads, naming the field", () => {
    const script = join(dir, "unused");
    const spec = fakeSpec(script, {
      milestones: [
        { id: "first", match: "FAKE-BOOT-1" },
        { id: "prompt", match: /^(\w+\s?)*$/ },
      ],
    });
    expect(() => validateExpectation("evil.ts", spec)).toThrow(
      /evil\.ts: milestones\[1\]\.match: \/\^\(\\w\+\\s\?\)\*\$\/: catastrophic backtracking \(exponential/,
    );
    const failOn = fakeSpec(script, { failOn: [{ id: "evil", match: { regex: "(a|a)*b" } }] });
    expect(() => validateExpectation("evil.ts", failOn)).toThrow(/failOn\[0\]\.match: .*catastrophic backtracking/);
    // Quadratic patterns (the built-in Oops one) stay: lines are capped at 16 KiB.
    expect(() =>
      validateExpectation("ok.ts", fakeSpec(script, { failOn: [{ id: "oops", match: /\bOops\b.*:/ }] })),
    ).not.toThrow();
  });

  test("a matcher held up by a slow pattern is no silence: the guest printed all along, serial.log keeps every byte", async () => {
    // Not refusable in general (a pattern slow on one line only): find how long a line makes /^(a+)+$/ take ~1.5 s here.
    const evil = /^(a+)+$|^DONE$/;
    let n = 12;
    for (let took = 0; took < 60; n++) {
      const t0 = performance.now();
      evil.test(`${"a".repeat(n)}!`);
      took = performance.now() - t0;
    }
    n += 3; // ×16 (the loop's last n++ included): well over the 1 s silence limit
    const steps: Step[] = [
      { text: "FAKE-BOOT-1\r\n" },
      { text: `${"a".repeat(n)}!\r\n` },
      ...Array.from({ length: 30 }, (): Step[] => [{ sleepMs: 100 }, { text: "still booting\r\n" }]).flat(),
      { text: "DONE\r\n" },
    ];
    const script = playingQemu(dir, "slow-matcher", steps);
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    // Built around validation, which would refuse the pattern: the runtime must cope anyway.
    const exp: Expectation = { ...fakeExpectation(script, { name: "slow-matcher", silence: "1s" }) };
    exp.milestones = [
      { id: "first", match: "FAKE-BOOT-1" },
      { id: "done", match: evil },
    ];
    const r = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs") });
    expect(r.outcome, r.summary).toBe("pass");
    expect(await fileDigest(r.serialLog)).toEqual(expectedOutput(steps));
    for (const pid of fakePids(script)) expect(running(pid)).toBe(false);
  }, 60_000);
});

describe("user images are checked before booting", () => {
  const file = (name: string, bytes: Buffer | string) => (writeFileSync(join(dir, name), bytes), join(dir, name));
  const elf = file("x.elf", Buffer.concat([Buffer.from("\x7fELF", "latin1"), Buffer.alloc(60)]));
  const arm64Image = file(
    "Image",
    Buffer.concat([Buffer.alloc(0x38), Buffer.from("ARMd", "latin1"), Buffer.alloc(16)]),
  );
  const bzImage = file(
    "bzImage",
    Buffer.concat([Buffer.from("MZ"), Buffer.alloc(0x200), Buffer.from("HdrS"), Buffer.alloc(16)]),
  );
  const text = file("script.sh", "#!/bin/sh\necho hello\n");
  const empty = file("empty", "");
  mkdirSync(join(dir, "a-dir"), { recursive: true });

  test.each([
    ["an ELF as image", elf, "image", "aarch64", undefined],
    ["an arm64 Image as kernel", arm64Image, "kernel", "aarch64", undefined],
    ["a bzImage as x86_64 kernel", bzImage, "kernel", "x86_64", undefined],
    [
      "a shell script as kernel",
      text,
      "kernel",
      "aarch64",
      /script\.sh is not an image QEMU can load as kernel on aarch64 \(expected ELF, arm64 Image, uImage, gzip; first bytes 2321/,
    ],
    ["an arm64 Image as x86_64 xen", arm64Image, "xen", "x86_64", /is not an image QEMU can load as xen on x86_64/],
    ["an empty file", empty, "image", "aarch64", /empty is empty/],
    ["a directory", join(dir, "a-dir"), "initrd", "aarch64", /a-dir is a directory, not an image file/],
    ["a missing file", join(dir, "nope"), "image", "aarch64", /no such file \S+nope/],
    ["any non-empty file for a role bootlog does not load itself", text, "firmware-blob", "aarch64", undefined],
  ] as const)("%s", async (_what, path, role, arch, problem) => {
    const found = await userImageProblem(path, role, arch);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  test("an empty image is infra with the reason, and no QEMU starts", async () => {
    const script = playingQemu(dir, "never-started", [{ text: "FAKE-BOOT-1\r\nFAKE-PROMPT # " }]);
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    const exp = fakeExpectation(script, { name: "empty-image", images: { image: { kind: "file", path: empty } } });
    const r = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs") });
    expect(r).toMatchObject({ outcome: "infra", error: expect.stringMatching(/images\.image: \S+empty is empty/) });
    expect(fakePids(script)).toEqual([]);
  });
});

describe("kernel globs keep to one flavour", () => {
  const names = [
    "linux-image-6.1.0-44-arm64",
    "linux-image-6.1.0-44-cloud-arm64",
    "linux-image-6.1.0-44-rt-arm64",
    "linux-image-6.1.0-45-arm64",
    "linux-image-6.1.0-45-arm64-unsigned",
  ];
  test("the README's glob walks the arm64 flavour only", () => {
    expect(oneKernelFlavour("linux-image-6.1.0-*-arm64", names)).toEqual([
      "linux-image-6.1.0-44-arm64",
      "linux-image-6.1.0-45-arm64",
    ]);
    expect(oneKernelFlavour("linux-image-6.1.0-{44,45}-cloud-arm64", names.slice(1, 2))).toEqual([
      "linux-image-6.1.0-44-cloud-arm64",
    ]);
  });
  test("a glob that still spans flavours is refused, naming them", () => {
    expect(() => oneKernelFlavour("linux-image-6.1.0-44-*", names.slice(0, 3))).toThrow(
      /matches kernels of 3 flavours \(arm64, cloud-arm64, rt-arm64\)/,
    );
  });
});

describe("artifacts/latest", () => {
  test("is the newest started run, whichever finishes last; a real directory there is a warning, not a failure", () => {
    const root = join(dir, "latest-root");
    mkdirSync(root, { recursive: true });
    const [older, newer] = ["2026-01-01T00-00-00-000Z-100", "2026-01-01T00-00-01-000Z-200"];
    expect(markLatest(root, newer)).toBeUndefined();
    expect(markLatest(root, older)).toBeUndefined(); // finished last, started first
    expect(readlinkSync(join(root, "latest"))).toBe(newer);
    const other = join(dir, "latest-dir");
    mkdirSync(join(other, "latest"), { recursive: true });
    expect(markLatest(other, newer)).toMatch(/latest is not a symbolic link/);
    expect(lstatSync(join(other, "latest")).isDirectory()).toBe(true);
  });
});

describe("expectation files", () => {
  const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const load = async (path: string) => (await import("../../harness/expectations/loader.ts")).loadExpectationFile(path);

  test.each([
    ["an empty file", "empty.mts", ""],
    ["no default export", "named.mts", `export const boot = 1;\n`],
    ["an empty CommonJS module", "empty-cjs.ts", `// nothing\n`],
  ])("%s: has no default export", async (_what, name, text) => {
    await expect(load(write(name, text))).rejects.toThrow(
      new RegExp(`${name.replace(".", "\\.")}: has no default export`),
    );
  });

  test.each([
    ["0s", /silence: must be > 0 \(got "0s"\)/],
    [`${"9".repeat(400)}s`, /silence: too long/],
    ["8d", /silence: not a duration/],
  ])("silence %s", (silence, problem) => {
    expect(() => validateExpectation("d.ts", fakeSpec(join(dir, "x"), { silence }))).toThrow(problem);
  });

  test("a top-level await kept pending by a timer: the load gives up after BOOTLOG_LOAD_TIMEOUT_MS, naming the file", async () => {
    const path = write(
      "pending.mts",
      `import { defineBoot } from ${JSON.stringify(DEFINE)};\nsetTimeout(() => {}, 3000);\nawait new Promise(() => {});\nexport default defineBoot({} as never);\n`,
    );
    vi.resetModules();
    process.env.BOOTLOG_LOAD_TIMEOUT_MS = "500";
    try {
      const { loadExpectationFile } = await import("../../harness/expectations/loader.ts");
      await expect(loadExpectationFile(path)).rejects.toThrow(
        /pending\.mts: did not finish loading: still loading after 0\.5 s/,
      );
    } finally {
      delete process.env.BOOTLOG_LOAD_TIMEOUT_MS;
      vi.resetModules();
    }
  });
});

describe("command-line options are checked before anything is written", () => {
  /** What an action would receive for `run ARGS`. */
  function parse(args: string[]): Record<string, unknown> {
    const argv = ["node", "bootlog", "run", ...args];
    const cli = cac("bootlog");
    cli
      .command("run [...names]")
      .option("--jobs <n>", "")
      .option("--retries <n>", "", { default: 0 })
      .option("--artifacts <dir>", "")
      .option("--expectations <dir>", "")
      .option("--last <n>", "")
      .option("--drift-percent <n>", "");
    cli.parse(argv, { run: false });
    normalizeOptions(cli, argv);
    return cli.options;
  }

  test.each([
    [["--jobs", "0"], /--jobs: expected a positive integer, got "0"/],
    [["--jobs", "-1"], /--jobs: expected a positive integer, got "-1"/],
    [["--jobs=1.5"], /--jobs: expected a positive integer, got "1.5"/],
    [["--jobs", "abc"], /--jobs: expected a positive integer, got "abc"/],
    [["--retries", "abc"], /--retries: expected a whole number ≥ 0, got "abc"/],
    [["--retries=-1"], /--retries: expected a whole number ≥ 0, got "-1"/],
    [["--last", "0"], /--last: expected a positive integer, got "0"/],
    [["--drift-percent", "-5"], /--drift-percent: expected a number ≥ 0, got "-5"/],
    [["--artifacts", ""], /--artifacts: empty value/],
  ])("%j is a usage error", (args, problem) => {
    expect(() => parse(args)).toThrow(problem);
  });

  test("paths stay the strings typed; numbers become numbers", () => {
    expect(parse(["--artifacts", "2024", "--expectations=007", "--jobs", "2", "--drift-percent", "2.5"])).toMatchObject(
      { artifacts: "2024", expectations: "007", jobs: 2, retries: 0, driftPercent: 2.5 },
    );
  });
});

describe("selections", () => {
  const mine = join(dir, "selections");
  fakeExpectationFile(mine, "my-boot");
  const empty = join(dir, "selections-empty");
  mkdirSync(empty, { recursive: true });

  test.each([
    [
      "a typo'd name",
      ["my-bot"],
      [],
      mine,
      /no expectation named "my-bot" in \S+selections \(bootlog list shows them\)/,
    ],
    [
      "a name and a tag that do not overlap",
      ["my-boot"],
      ["x86_64"],
      mine,
      /nothing selected: "my-boot" with --tag x86_64 matches no expectation/,
    ],
    ["a typo'd tag", [], ["arm46"], mine, /nothing selected: --tag arm46 matches no expectation/],
    ["an empty directory", [], [], empty, /nothing selected: no expectation files in \S+selections-empty/],
    ["a missing directory", [], [], join(dir, "nope"), /nope: no such directory/],
    ["a missing file", ["/missing/boot.ts"], [], mine, /no such file: \/missing\/boot\.ts/],
  ])("%s: a usage error", async (_what, names, tags, from, problem) => {
    await expect(pickExpectations(names, tags, from)).rejects.toThrow(problem);
  });

  test("the path-like names README and `list` show select as names do", async () => {
    expect((await pickExpectations(["known-bad/*"], [])).map((e) => e.name).sort()).toEqual([
      "arm64-linux-flaky-init",
      "arm64-uboot-xen-old-dtuart",
      "arm64-xen-mute-dom0-no-root",
      "arm64-xen-no-dom0-module",
      "arm64-xen-virt-off",
      "x86_64-xen-console-com2",
      "x86_64-xen-cpu-max",
      "x86_64-xen-toolstack-dom0-256m",
    ]);
    expect((await pickExpectations(["examples/boot-wrapper-xen"], [])).map((e) => e.name)).toEqual([
      "boot-wrapper-xen",
    ]);
  });

  test("--image with a role no selected expectation declares names the roles", async () => {
    const picked = await pickExpectations([], [], mine);
    expect(() => checkImageRoles(picked, { kernel: "/x" }, (m) => new Error(m))).toThrow(
      '--image kernel=…: no selected expectation has an image "kernel" (roles: image)',
    );
    expect(() => checkImageRoles(picked, { image: "/x" }, (m) => new Error(m))).not.toThrow();
  });
});
