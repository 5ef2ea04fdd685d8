/**
 * `git bisect run bootlog bisect arm64-xen-dom0 --xen-tree .` inside a Xen checkout: a small
 * history made from Debian's Xen source package, where one commit tightens the arm64 Image
 * header check so that Linux's EFI-stub Image is refused (Xen panics: "Could not set up DOM0
 * guest OS"), and a later one does not compile (skipped, 125, with the compiler's error). Each
 * tested commit is built (incrementally, in one build directory) and booted.
 *
 * The tree and its commits are the same every run (fixed path, author and dates), so a warm
 * cache finds every commit's Xen by content and builds nothing.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, test } from "vitest";
import { BOOKWORM_XEN_SOURCE, debianSource } from "../../harness/expectations/xen-source.ts";
import { resolveXenSource } from "../../harness/images/xen-source-tree.ts";
import { GIT_ENV, gitBisectRun } from "../helpers/scratch-repo.ts";
import { bootlog } from "../helpers/cli.ts";

const work = join(tmpdir(), "bootlog-xen-bisect");
const repo = join(work, "src");
const artifacts = join(work, "artifacts");
// The Xen checkout is no bootlog project: the boot comes from bootlog's own expectations.
const EXPECTATIONS = ["--expectations", resolve("expectations")];
// Fixed dates: the same commits (and so the same cache keys) every run.
const env = { ...GIT_ENV, GIT_AUTHOR_DATE: "2026-12-01T12:00:00Z", GIT_COMMITTER_DATE: "2026-12-01T12:00:00Z" };
const git = (...args: string[]) => execa("git", args, { cwd: repo, env });

const KERNEL_C = "xen/arch/arm/kernel.c";
const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(join(repo, file), "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(join(repo, file), text.replace(from, to));
};

/** The commits after the imported source, oldest first. */
const SERIES: { message: string; change: () => void }[] = [
  {
    message: "xen: say where the changeset comes from",
    change: () =>
      edit(
        "xen/common/version.c",
        "const char *xen_changeset(void)\n{",
        "/* Filled in by tools/scmversion at build time. */\nconst char *xen_changeset(void)\n{",
      ),
  },
  {
    // The bug: Linux's arm64 Image starts with the EFI stub's "MZ", not the v0 branch, so
    // requiring both magics refuses every EFI-stub kernel.
    message: "xen/arm: kernel: require both Image header magics",
    change: () => edit(KERNEL_C, "zimage.magic0 != ZIMAGE64_MAGIC_V0 &&", "zimage.magic0 != ZIMAGE64_MAGIC_V0 ||"),
  },
  {
    message: "xen/arm: kernel: say which format is probed",
    change: () =>
      edit(
        KERNEL_C,
        "        rc = kernel_uimage_probe(info, mod->start, mod->size);",
        '        printk("Probing dom0 kernel as a uImage\\n")\n        rc = kernel_uimage_probe(info, mod->start, mod->size);',
      ),
  },
  {
    message: "xen/arm: kernel: fix the build",
    change: () => edit(KERNEL_C, 'as a uImage\\n")\n', 'as a uImage\\n");\n'),
  },
  {
    message: "xen/arm: kernel: comment the probe order",
    change: () =>
      edit(
        KERNEL_C,
        "#ifdef CONFIG_ARM_64\n    rc = kernel_zimage64_probe",
        "    /* Image first: it is what arm64 kernels are. */\n#ifdef CONFIG_ARM_64\n    rc = kernel_zimage64_probe",
      ),
  },
];
const BREAKING = 2;
const UNBUILDABLE = 3;
const commits: string[] = [];

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const source = await resolveXenSource(debianSource("xen", { version: BOOKWORM_XEN_SOURCE }), "test");
  await source.unpack(work);
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", `Import Debian's Xen source ${BOOKWORM_XEN_SOURCE}`);
  commits.push((await git("rev-parse", "HEAD")).stdout.trim());
  for (const { message, change } of SERIES) {
    change();
    await git("commit", "-q", "-a", "-m", message);
    commits.push((await git("rev-parse", "HEAD")).stdout.trim());
  }
}, 120_000);

/** The boot directories of a bisect run's artifacts, with the build log each kept. */
function bootDirs(): string[] {
  if (!existsSync(artifacts)) return [];
  return readdirSync(artifacts)
    .filter((d) => /^\d{4}-/.test(d))
    .flatMap((run) => [join(artifacts, run, "arm64-xen-dom0"), join(artifacts, run, "retry-2", "arm64-xen-dom0")])
    .filter((d) => existsSync(d));
}

describe("git bisect run bootlog bisect arm64-xen-dom0 --xen-tree .", () => {
  test(
    "builds and boots each tested commit and names the one that broke dom0; an unbuildable commit is skipped (125)",
    { timeout: 1_800_000 },
    async () => {
      const { exitCode, output, firstBad } = await gitBisectRun(
        repo,
        env,
        { good: commits[0]!, bad: commits.at(-1)! },
        ["arm64-xen-dom0", "--xen-tree", ".", ...EXPECTATIONS, "--artifacts", artifacts],
      );
      expect(exitCode, output).toBe(0);
      expect(firstBad, output).toEqual([commits[BREAKING]]);

      const steps = [...output.matchAll(/^bisect: (good|bad|skip) \(exit (\d+)\) at ([0-9a-f]{40})/gm)].map((m) => ({
        kind: m[1],
        index: commits.indexOf(m[3]!),
      }));
      expect(steps.length, output).toBeGreaterThanOrEqual(2);
      for (const step of steps) {
        const truth = step.index === UNBUILDABLE ? "skip" : step.index >= BREAKING ? "bad" : "good";
        expect(step.kind, `commit ${step.index}\n${output}`).toBe(truth);
      }
      // A bad commit is Xen refusing dom0's kernel, as the console says.
      expect(output).toMatch(/bisect: BAD {2}arm64-xen-dom0: FAIL after "xen-dom0-loading": failure pattern xen-panic/);
      if (steps.some((s) => s.kind === "skip"))
        expect(output).toMatch(
          /bisect: SKIP arm64-xen-dom0: infra, not judged: Xen build failed .*error: expected ';'/,
        );

      // Every boot kept its build log, and its JUnit names the commit it built.
      const dirs = bootDirs();
      expect(dirs.length).toBeGreaterThanOrEqual(steps.length);
      for (const dir of dirs) {
        expect(readFileSync(join(dir, "xen-build.log"), "utf8")).toMatch(/^bootlog: building Xen from tree /);
        const junit = join(dir, "junit.xml");
        if (existsSync(join(dir, "serial.log")) && readFileSync(junit, "utf8").includes("image.xen.build.source"))
          expect(readFileSync(junit, "utf8")).toMatch(
            /name="image\.xen\.build\.source" value="tree \S+ at [0-9a-f]{12}"/,
          );
      }
      const timings = dirs.map(
        (d) => /^bootlog: build took .*$/m.exec(readFileSync(join(d, "xen-build.log"), "utf8"))?.[0],
      );
      console.log(
        `git bisect over a Xen tree: ${steps.length} steps; ${timings.filter(Boolean).join("; ") || "every Xen from the cache"}`,
      );
    },
  );

  test(
    "the unbuildable commit answers 125 with the compiler's first error, and keeps the build log",
    { timeout: 900_000 },
    async () => {
      await git("checkout", "-q", commits[UNBUILDABLE]!);
      const broken = await bootlog(
        ["bisect", "arm64-xen-dom0", "--xen-tree", ".", ...EXPECTATIONS, "--retries", "0", "--artifacts", artifacts],
        {},
        repo,
      );
      await git("checkout", "-q", "main");
      expect(broken.code, broken.all).toBe(125);
      expect(broken.all).toMatch(
        /bisect: SKIP arm64-xen-dom0: infra, not judged: Xen build failed \(tree \S+ at [0-9a-f]{12}, defconfig\): make -C xen XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- failed \(make exit 2\): .*arch\/arm\/kernel\.c:\d+:\d+: error: expected ';'/,
      );
      expect(broken.all).toContain(`bisect: skip (exit 125) at ${commits[UNBUILDABLE]}`);
      const dir = /artifacts (\S+)$/m.exec(broken.all ?? "")?.[1];
      expect(readFileSync(join(dir!, "arm64-xen-dom0", "xen-build.log"), "utf8")).toMatch(
        /kernel\.c:\d+:\d+: error: expected ';'/,
      );
    },
  );
});
