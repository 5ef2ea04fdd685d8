/**
 * `bootlog export lava`: the job for arm64-xen-dom0 (and an x86_64 multiboot boot) is built from
 * the real QEMU command line (planMachine, with stand-in image files and a real patched DTB in a
 * private cache), parsed back from YAML, validated against LAVA's job structure, and its
 * interactive steps are replayed over a console the way LAVA's interactive test reads it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadExpectationFile, validateExpectation, type Expectation } from "../../harness/expectations/loader.ts";
import { EXPECTATIONS_DIR } from "../../harness/expectations/loader.ts";
import { xenPanics, linuxPanics } from "../../harness/expectations/index.ts";
import { sha256File } from "../../harness/images/cache.ts";
import type { PreparedImages } from "../../harness/images/prepare.ts";
import { planMachine } from "../../harness/machines/plan.ts";
import { qemuFor } from "../../harness/machines/qemu.ts";
import {
  lavaJob,
  lavaYaml,
  NO_PROMPT,
  pythonPattern,
  pythonSuccess,
  validateLavaJob,
  type LavaJob,
} from "../../harness/export/lava.ts";

let dir: string;
let arm64: Expectation;
let yamlText: string;
let job: LavaJob;
let savedCache: string | undefined;

async function fakeImages(roles: Record<string, number>): Promise<PreparedImages> {
  const images: PreparedImages["images"] = {};
  for (const [role, size] of Object.entries(roles)) {
    const path = join(dir, `${role}.img`);
    await writeFile(path, Buffer.alloc(size, role.charCodeAt(0)));
    images[role] = { path, size, sizeHex: size.toString(16), sha256: await sha256File(path) };
  }
  return { images, packages: [{ package: "xen-hypervisor-4.17-arm64", version: "4.17.7", arch: "arm64" }], built: [] };
}

async function exportFor(exp: Expectation, roles: Record<string, number>, urlBase?: string) {
  const prepared = await fakeImages(roles);
  const plan = await planMachine(exp, prepared, await qemuFor(exp.machine.arch));
  const out = await lavaJob(
    { exp, plan, images: prepared.images, sendContext: plan.sendContext, packages: prepared.packages },
    { urlBase },
  );
  return { out, plan, prepared, yaml: lavaYaml(out, exp) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bootlog-lava-"));
  savedCache = process.env.BOOTLOG_CACHE;
  process.env.BOOTLOG_CACHE = join(dir, "cache"); // the patched DTB of stand-in images stays out of the real cache
  arm64 = await loadExpectationFile(join(EXPECTATIONS_DIR, "arm64-xen-dom0.ts"));
  const { yaml } = await exportFor(arm64, { xen: 1000, kernel: 3000, initrd: 2000 });
  yamlText = yaml;
  job = parse(yamlText) as LavaJob;
}, 60_000);

afterAll(async () => {
  if (savedCache === undefined) delete process.env.BOOTLOG_CACHE;
  else process.env.BOOTLOG_CACHE = savedCache;
  await rm(dir, { recursive: true, force: true });
});

type Test = Extract<LavaJob["actions"][number], { test: unknown }>["test"];
const tests = (j: LavaJob) => j.actions.filter((a): a is { test: Test } => "test" in a).map((a) => a.test);
const scripts = (j: LavaJob) => tests(j).flatMap((t) => ("interactive" in t ? t.interactive : []));
const steps = (j: LavaJob) => scripts(j).flatMap((s) => s.script);

/**
 * A Python pattern as produced by pythonPattern, as a JS RegExp with Python's meaning: the line
 * anchors are already lookarounds both languages read alike; only the scoped `i` flag and the
 * named groups are spelled differently.
 */
function jsRegex(py: string): RegExp {
  const scoped = /^\(\?i:([\s\S]*)\)$/.exec(py);
  const source = (scoped ? scoped[1]! : py).replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  return new RegExp(source, scoped ? "i" : "");
}

/**
 * LAVA's interactive test (lava_dispatcher/actions/test/interactive.py) over a console: per step,
 * send the command, then expect prompts + failures + successes at once; pexpect takes the earliest
 * match in the buffer (the first pattern on a tie) and the buffer continues after it.
 */
function replay(j: LavaJob, consoleText: string): { results: Record<string, "pass" | "fail">; error?: string } {
  let buffer = consoleText;
  const results: Record<string, "pass" | "fail"> = {};
  for (const script of scripts(j)) {
    for (const step of script.script) {
      const prompts = script.prompts;
      const failures = (step.failures ?? []).map((f) => f.message);
      const successes = (step.successes ?? []).map((f) => f.message);
      const expectList = [...prompts, ...failures, ...successes];
      let best: { index: number; at: number; end: number } | undefined;
      expectList.forEach((p, index) => {
        const m = jsRegex(p).exec(buffer);
        if (m && (!best || m.index < best.at)) best = { index, at: m.index, end: m.index + m[0].length };
      });
      if (!best) return { results, error: `timeout waiting in step ${step.name}` };
      buffer = buffer.slice(best.end);
      if (best.index < prompts.length) results[step.name!] = successes.length ? "fail" : "pass";
      else if (best.index < prompts.length + failures.length) {
        results[step.name!] = "fail";
        return { results, error: step.failures![best.index - prompts.length]!.error };
      } else results[step.name!] = "pass";
    }
  }
  return { results };
}

/**
 * What the console of a good arm64-xen-dom0 boot looks like (tests/fixtures/arm64-xen-dom0-good): dom0's
 * lines end in CR CR LF (Xen's console adds a CR to Linux's CR LF); the prompt has no newline and
 * ESC[6n after it.
 */
const GOOD_LINES = [
  " Xen 4.17.7",
  "(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) (aarch64-linux-gnu-gcc) debug=n",
  "(XEN) Latest ChangeSet:",
  "(XEN) *** LOADING DOMAIN 0 ***",
  "(XEN) Freed 356kB init memory",
  "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
  "[    0.000000] Linux version 6.1.0-56-arm64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP Debian 6.1.192-2",
  "[    0.000000] Xen 4.17 support found",
  "[    4.330000] Run /init as init process",
  "dom0 init: 6.1.0-56-arm64 xen: xen",
  "",
  "BusyBox v1.35.0 (Debian 1:1.35.0-4+b1) built-in shell (ash)",
  "/ # \x1b[6nuname -r",
  "6.1.0-56-arm64",
  "/ # \x1b[6n",
];
const GOOD_CONSOLE = GOOD_LINES.join("\r\r\n");

describe("pythonPattern", () => {
  test("literals are escaped; regexes are bound to one line, as bootlog tests them", () => {
    expect(pythonPattern("*** LOADING DOMAIN 0 ***")).toBe("\\*\\*\\* LOADING DOMAIN 0 \\*\\*\\*");
    expect(pythonPattern("/ # ")).toBe("/ # ");
    expect(pythonPattern(/^6\.1\.0-\d+-arm64$/)).toBe("(?<![^\\r\\n])6\\.1\\.0-\\d+-arm64(?=[\\r\\n])");
    expect(pythonPattern(/dom0 init: .* xen: xen/i)).toBe("(?i:dom0 init: [^\\r\\n]* xen: xen)");
    expect(pythonPattern(/(?<ver>\d+)\.\k<ver>/)).toBe("(?P<ver>\\d+)\\.(?P=ver)");
    expect(pythonPattern(/(?<=a)b[$.^]/)).toBe("(?<=a)b[$.^]");
    expect(pythonPattern(/a\s+b\S[^x\s]\D\W/)).toBe("a[^\\S\\r\\n]+b\\S[^\\r\\nx \\t\\f\\v][^\\d\\r\\n][^\\w\\r\\n]");
    expect(pythonPattern({ regex: "a\\/b$", flags: "s" })).toBe("a/b(?=[\\r\\n])");
    expect(pythonSuccess("/ # ")).toBe("/ # [^\\r\\n]*");
  });

  test("anchors are line starts and ends of any kind (CR LF, CR CR LF, lone CR); nothing crosses a line end", () => {
    for (const eol of ["\r\n", "\r\r\n", "\n", "\r"]) {
      const text = `uname -r${eol}6.1.0-56-arm64${eol}/ # `;
      expect(jsRegex(pythonPattern(/^6\.1\.0-\d+-arm64$/)).exec(text)?.[0], JSON.stringify(eol)).toBe("6.1.0-56-arm64");
      expect(jsRegex(pythonPattern(/^arm64$/)).test(text)).toBe(false);
      expect(jsRegex(pythonPattern(/init: .* xen/)).test(`init: a${eol}b xen`)).toBe(false);
      expect(jsRegex(pythonPattern(/init:\s+xen/)).test(`init:${eol}xen`)).toBe(false);
      expect(jsRegex(pythonPattern(/init:[^a]xen/)).test(`init:${eol}xen`)).toBe(false);
      expect(jsRegex(pythonPattern(/init:\Dxen/)).test(`init:${eol}xen`)).toBe(false);
    }
    // A RegExp waits for its line end, as bootlog tests whole lines: "6.1.0-5" is not yet "6.1.0-56-arm64".
    expect(jsRegex(pythonPattern(/^6\.1\.0-\d+$/)).test("6.1.0-5")).toBe(false);
  });

  // Python's own re module, where it is installed, has the last word on the syntax.
  const python = spawnSync("python3", ["--version"]).status === 0;
  test.runIf(python)("every pattern of the job compiles in Python's re and matches the console like pexpect", () => {
    const patterns = [
      ...new Set(
        scripts(job).flatMap((s) => [
          ...s.prompts,
          ...s.script.flatMap((st) => [...(st.successes ?? []), ...(st.failures ?? [])].map((x) => x.message)),
        ]),
      ),
    ];
    const program = `import json, re, sys\nd = json.load(sys.stdin)\nprint(json.dumps([bool(re.compile(p, re.DOTALL).search(d["text"])) for p in d["patterns"]]))`;
    for (const text of [GOOD_CONSOLE, GOOD_LINES.join("\r\n")]) {
      const out = execFileSync("python3", ["-c", program], { input: JSON.stringify({ patterns, text }) }).toString();
      const js = patterns.map((p) => jsRegex(p).test(text));
      expect(JSON.parse(out)).toEqual(js);
      expect(js.filter(Boolean).length, "the milestones of a good boot match").toBe(arm64.milestones.length);
    }
  });
});

describe("export lava arm64-xen-dom0", () => {
  test("the YAML parses and validates as a LAVA job for the qemu device type", () => {
    expect(yamlText).toMatch(/^# LAVA job for the bootlog expectation "arm64-xen-dom0"/);
    expect(yamlText).not.toMatch(/[&*]a\d/); // no YAML anchors: people read and edit this
    const checked = validateLavaJob(job);
    expect(checked.ok ? [] : checked.errors).toEqual([]);
    expect(job.device_type).toBe("qemu");
    expect(job.context).toMatchObject({
      arch: "arm64",
      machine: "virt,gic-version=3,virtualization=on",
      cpu: "cortex-a57",
      memory: 2048,
    });
    expect(job.context?.extra_options).toEqual(["-smp 2", "-no-reboot"]);
    expect(Object.keys(job.actions[0]!)).toEqual(["deploy"]);
    expect(Object.keys(job.actions[1]!)).toEqual(["boot"]);
    expect(job.actions.slice(2).every((a) => Object.keys(a).join() === "test")).toBe(true);
  });

  test("deploy names every file QEMU loads, with image_arg as the bootlog command line had it", () => {
    const deploy = (job.actions[0] as Extract<LavaJob["actions"][number], { deploy: unknown }>).deploy;
    expect(deploy.to).toBe("tmpfs");
    expect(Object.keys(deploy.images).sort()).toEqual(["dtb", "kernel", "ramdisk", "xen"]);
    expect(deploy.images.xen!.image_arg).toBe("-kernel {xen}");
    expect(deploy.images.dtb!.image_arg).toBe("-dtb {dtb}");
    expect(deploy.images.kernel!.image_arg).toBe("-device loader,file={kernel},addr=0x50000000");
    expect(deploy.images.ramdisk!.image_arg).toBe("-device loader,file={ramdisk},addr=0x54000000");
    expect(deploy.images.xen!.url).toBe(`file://${join(dir, "xen.img")}`);
    for (const img of Object.values(deploy.images)) expect(img.sha256sum).toMatch(/^[0-9a-f]{64}$/);
    const boot = (job.actions[1] as Extract<LavaJob["actions"][number], { boot: unknown }>).boot;
    expect(boot).toEqual({ method: "qemu", media: "tmpfs", timeout: { seconds: arm64.budgetS } });
  });

  test("the milestones are the interactive steps, in order, each a success (the shell prompt too), with the typed command", () => {
    expect(steps(job).map((s) => s.name)).toEqual(arm64.milestones.map((m) => m.id));
    // A prompt would pre-empt any success it precedes on screen: the scripts' prompt never matches.
    for (const script of scripts(job)) expect(script.prompts).toEqual([NO_PROMPT]);
    expect(jsRegex(NO_PROMPT).test(`${GOOD_CONSOLE}${NO_PROMPT}`)).toBe(false);
    steps(job).forEach((s, i) => expect(s.successes).toEqual([{ message: pythonSuccess(arm64.milestones[i]!.match) }]));
    const shellIndex = arm64.milestones.findIndex((m) => m.match === "/ # ");
    const after = steps(job)[shellIndex + 1]!;
    expect(after.command).toBe(String(arm64.milestones[shellIndex]!.send).replace(/\n$/, ""));
    for (const s of steps(job)) {
      expect(s.wait_for_prompt).toBe(false);
      expect(s.failures?.map((f) => f.error)).toEqual(
        [...linuxPanics, ...xenPanics].map((f) => `bootlog failOn ${f.id}`),
      );
    }
  });

  test("timeouts: within → its own test action, budget → the rest and the boot, silence → connection", () => {
    expect(job.timeouts.action).toEqual({ seconds: arm64.budgetS });
    expect(job.timeouts.connection).toEqual({ seconds: arm64.silenceS });
    const jobS = "minutes" in job.timeouts.job ? job.timeouts.job.minutes * 60 : 0;
    expect(jobS).toBeGreaterThanOrEqual(300 + arm64.budgetS);
    for (const t of tests(job)) {
      const first = "interactive" in t ? t.interactive[0]!.script[0]!.name : undefined;
      const m = arm64.milestones.find((mm) => mm.id === first)!;
      const expected = m.within ? Math.ceil(Number.parseFloat(m.within)) : arm64.budgetS;
      expect(t.timeout, `test action starting at ${first}`).toEqual({ seconds: expected });
      if ("interactive" in t && t.interactive[0]!.script.length > 1)
        expect(
          t.interactive[0]!.script.slice(1).every((s) => !arm64.milestones.find((mm) => mm.id === s.name)!.within),
        ).toBe(true);
    }
  });

  test("replayed like LAVA's interactive test, a good console passes every milestone in order (CR CR LF as LAVA reads it, and CR LF)", () => {
    for (const text of [GOOD_CONSOLE, GOOD_LINES.join("\r\n")]) {
      const { results, error } = replay(job, text);
      expect(error).toBeUndefined();
      expect(Object.keys(results)).toEqual(arm64.milestones.map((m) => m.id));
      expect(Object.values(results).every((r) => r === "pass")).toBe(true);
    }
  });

  test("a line satisfies one milestone: the next one's text later on the same line does not count", () => {
    const oneLine = GOOD_CONSOLE.replace(
      "Run /init as init process\r\r\ndom0 init:",
      "Run /init as init process dom0 init:",
    );
    const { results, error } = replay(job, oneLine);
    expect(results["run-init"]).toBe("pass");
    expect(results["dom0-init"]).toBeUndefined();
    expect(error).toMatch(/timeout waiting in step dom0-init/);
  });

  test("a panic on the console stops the job at the pending milestone with TestError", () => {
    const panicking = GOOD_CONSOLE.replace(
      "[    4.330000] Run /init as init process",
      "[    4.330000] Kernel panic - not syncing: VFS: Unable to mount root fs",
    );
    expect(panicking).not.toBe(GOOD_CONSOLE);
    const { results, error } = replay(job, panicking);
    expect(error).toBe("bootlog failOn linux-panic");
    expect(Object.entries(results).at(-1)).toEqual(["run-init", "fail"]);
    // Order matters: a later milestone's text before an earlier one does not count.
    const swapped = GOOD_CONSOLE.replace(
      "(XEN) *** LOADING DOMAIN 0 ***\r\r\n(XEN) Freed 356kB init memory",
      "(XEN) Freed 356kB init memory\r\r\n(XEN) *** LOADING DOMAIN 0 ***",
    );
    expect(swapped).not.toBe(GOOD_CONSOLE);
    const r2 = replay(job, swapped);
    expect(r2.results["xen-dom0-loading"]).toBe("pass");
    expect(r2.error ?? r2.results["xen-freed-init"]).not.toBe("pass");
  });

  test("--url-base puts the files under the lab's URL", async () => {
    const { out, yaml } = await exportFor(
      arm64,
      { xen: 1000, kernel: 3000, initrd: 2000 },
      "https://lab.example/bootlog/",
    );
    expect(out.files.map((f) => f.url)).toContain("https://lab.example/bootlog/xen.img");
    expect(yaml).toContain("# Publish these files at their URLs:");
  });
});

describe("export lava x86_64 (multiboot modules in one -initrd)", () => {
  test("one QEMU option naming two images: the second gets an empty image_arg so LAVA substitutes it", async () => {
    const exp = validateExpectation("x86.ts", {
      name: "x86-xen",
      machine: { arch: "x86_64", memory: "2G", cpus: 2, firmware: "direct" },
      images: {
        xen: { kind: "file", path: "/x" },
        kernel: { kind: "file", path: "/k" },
        initrd: { kind: "file", path: "/i" },
      },
      milestones: [
        { id: "xen", match: /Xen version/ },
        { id: "shell", match: "/ # " },
      ],
      failOn: xenPanics,
      silence: "15s",
      budget: "60s",
    });
    const { out } = await exportFor(exp, { xen: 100, kernel: 200, initrd: 300 });
    const checked = validateLavaJob(parse(lavaYaml(out, exp)));
    expect(checked.ok ? [] : checked.errors).toEqual([]);
    const images = (out.job.actions[0] as Extract<LavaJob["actions"][number], { deploy: unknown }>).deploy.images;
    expect(images.xen!.image_arg).toBe('-kernel {xen} -append "console=com1 com1=115200,8n1 dom0_mem=512M"');
    expect(images.kernel!.image_arg).toBe('-initrd "{kernel} console=hvc0 earlyprintk=xen rdinit=/init,{ramdisk}"');
    expect(images.ramdisk!.image_arg).toBe("");
    expect(out.job.context).toMatchObject({ arch: "amd64", no_kvm: true, memory: 2048 });
    expect(out.job.context?.extra_options).toEqual(["-machine pc", "-cpu qemu64", "-smp 2", "-no-reboot"]);
  });
});

describe("the LAVA schema rejects broken jobs", () => {
  const broken: [string, (j: any) => void, RegExp][] = [
    ["no device_type", (j) => delete j.device_type, /device_type/],
    ["an action with two kinds", (j) => (j.actions[1] = { ...j.actions[1], test: j.actions[2].test }), /actions\[1\]/],
    ["a zero timeout", (j) => (j.timeouts.job = { minutes: 0 }), /timeouts\.job/],
    ["a timeout with two units", (j) => (j.timeouts.action = { minutes: 1, seconds: 5 }), /timeouts\.action/],
    [
      "an action timeout longer than the job",
      (j) => (j.actions[2].test.timeout = { hours: 2 }),
      /larger than job timeout/,
    ],
    ["no arch for qemu", (j) => delete j.context.arch, /context\.arch.*arch/],
    [
      "an image_arg naming no image",
      (j) => (j.actions[0].deploy.images.xen.image_arg = "-kernel {xen} -dtb {fdt}"),
      /\{fdt\} names no deployed image/,
    ],
    ["an unknown key in a step", (j) => (j.actions[2].test.interactive[0].script[0].expect = "x"), /actions\[2\]/],
    [
      "a step name LAVA refuses",
      (j) => (j.actions[2].test.interactive[0].script[0].name = "xen banner!"),
      /actions\[2\]/,
    ],
    ["empty prompts", (j) => (j.actions[2].test.interactive[0].prompts = []), /actions\[2\]/],
    ["boot before deploy", (j) => j.actions.reverse(), /deploy must come before boot/],
    ["an unknown context variable", (j) => (j.context.kernel_cmdline = "x"), /context/],
    ["no visibility", (j) => delete j.visibility, /visibility/],
  ];
  test.each(broken)("%s", (_what, breakIt, message) => {
    const copy = structuredClone(job);
    expect(validateLavaJob(copy).ok).toBe(true);
    breakIt(copy);
    const checked = validateLavaJob(copy);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.join("\n")).toMatch(message);
  });
});
