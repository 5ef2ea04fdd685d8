/**
 * `git bisect run bootlog bisect ...` over a real series of commits of a boot configuration:
 * one commit in the middle gives Xen the wrong dtuart path syntax (Xen falls silent: a hang),
 * one earlier commit has a broken expectation (must be skipped, 125, never called bad), the
 * others change harmless things. Every tested commit really boots.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, test } from "vitest";
import { readHistory } from "../../harness/artifacts/history.ts";
import { GIT_ENV, gitBisectRun, scratchRepo } from "../helpers/scratch-repo.ts";
import { arm64XenImages } from "../helpers/arm64-images.ts";
import { bootlog } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const GOOD_UART = "console=dtuart dtuart=/pl011@9000000";
// As in an old guide: Xen cannot find this console and says nothing at all.
const BAD_UART = "console=dtuart dtuart=/pl011,0x09000000";

interface Config {
  description: string;
  xenArgs: string;
  silence: string;
  comment: string;
}

/**
 * The commits, oldest first; index 5 breaks the boot, index 6 breaks the expectation file
 * (fixed in 7). git bisect tests 4, 6 (skip), 7 and 5 here: the skip sits next to the answer
 * and the answer is still exact.
 */
const SERIES: { message: string; change: Partial<Config> }[] = [
  { message: "Xen + dom0 on QEMU virt, direct boot", change: {} },
  { message: "Describe the board", change: { description: "QEMU virt, GICv3, EL2" } },
  { message: "Give dom0 768M", change: { xenArgs: `${GOOD_UART} dom0_mem=768M bootscrub=0` } },
  { message: "Comment the console setup", change: { comment: "PL011 at 0x09000000 is QEMU virt's UART0" } },
  { message: "More Xen logging", change: { xenArgs: `${GOOD_UART} dom0_mem=768M loglvl=all bootscrub=0` } },
  {
    message: "Use the UART address form from the wiki",
    change: { xenArgs: `${BAD_UART} dom0_mem=768M loglvl=all bootscrub=0` },
  },
  { message: "Shorter silence (typo)", change: { silence: "5 seconds" } },
  { message: "Fix the silence duration", change: { silence: "5s" } },
  { message: "Reword the description", change: { description: "Xen 4.17 + Linux 6.1 dom0 on QEMU virt" } },
  { message: "Note the owner", change: { comment: "Owner: platform team; PL011 at 0x09000000 is QEMU virt's UART0" } },
];
const BREAKING = 5;
const BROKEN_EXPECTATION = 6;

function expectationFile(c: Config, images: { xen: string; kernel: string; initrd: string }): string {
  return `// ${c.comment}
import { defineBoot, userImage } from ${JSON.stringify(HARNESS)};

export default defineBoot({
  name: "bisect-e2e",
  description: ${JSON.stringify(c.description)},
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: userImage({ path: ${JSON.stringify(images.xen)} }),
    kernel: userImage({ path: ${JSON.stringify(images.kernel)} }),
    initrd: userImage({ path: ${JSON.stringify(images.initrd)} }),
  },
  boot: {
    xen: ${JSON.stringify(c.xenArgs)},
    linux: "console=hvc0 earlycon=xen rdinit=/init",
  },
  milestones: [
    { id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17/ },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
  ],
  silence: ${JSON.stringify(c.silence)},
  budget: "60s",
});
`;
}

const { repo, artifacts, git } = scratchRepo("bisect-git");
const commits: string[] = [];

beforeAll(async () => {
  // Debian's Xen, kernel and busybox initramfs, as files in the image cache.
  const files = await arm64XenImages();
  await execa("mkdir", ["-p", repo]);
  await git("init", "-q", "-b", "main");
  let config: Config = {
    description: "arm64 Xen dom0",
    xenArgs: `${GOOD_UART} dom0_mem=512M bootscrub=0`,
    silence: "5s",
    comment: "Boot configuration under test",
  };
  for (const { message, change } of SERIES) {
    config = { ...config, ...change };
    writeFileSync(join(repo, "boot.ts"), expectationFile(config, files));
    await git("add", "boot.ts");
    await git("commit", "-q", "-m", message);
    commits.push((await git("rev-parse", "HEAD")).stdout.trim());
  }
});

describe("git bisect run bootlog bisect", () => {
  test(
    "names exactly the commit that broke the boot; a broken expectation on the way is skipped (125), not bad",
    { timeout: 240_000 },
    async () => {
      const { exitCode, output, firstBad } = await gitBisectRun(
        repo,
        GIT_ENV,
        { good: commits[0]!, bad: commits.at(-1)! },
        ["boot.ts", "--bad-if", "hang after start", "--artifacts", artifacts],
      );
      expect(exitCode, output).toBe(0);

      expect(firstBad, output).toEqual([commits[BREAKING]]);

      // Each step's answer agrees with what the commit really is.
      const steps = [...output.matchAll(/^bisect: (good|bad|skip) \(exit (\d+)\) at ([0-9a-f]{40})/gm)].map((m) => ({
        kind: m[1],
        code: Number(m[2]),
        index: commits.indexOf(m[3]!),
      }));
      expect(steps.length, output).toBeGreaterThanOrEqual(3);
      for (const step of steps) {
        const truth = step.index === BROKEN_EXPECTATION ? "skip" : step.index >= BREAKING ? "bad" : "good";
        expect(step.index, output).toBeGreaterThanOrEqual(0);
        expect(step.kind, `commit ${step.index}\n${output}`).toBe(truth);
        expect(step.code).toBe({ good: 0, bad: 1, skip: 125 }[truth]);
      }
      // git bisect's midpoints (stable for years) land on the broken expectation: it was skipped, not called bad.
      expect(
        steps.filter((s) => s.kind === "skip").map((s) => s.index),
        output,
      ).toEqual([BROKEN_EXPECTATION]);
      expect(output).toContain("bisect: SKIP expectation error: boot.ts: silence: not a duration");
      const boots = steps.filter((s) => s.kind !== "skip");
      // A bad step is a real hang with no Xen output, not anything else.
      // The hang is silent; the post-mortem finds why in Xen's console ring.
      expect(output).toMatch(
        /bisect: BAD {2}bisect-e2e: HANG after "start": silent \d+\.\d s, no output at all — memory shows \(XEN\) Bad console= option 'dtuart'.* \[--bad-if "hang after start"\]/,
      );

      // Each boot appended its record, with the commit it booted.
      const history = readHistory(artifacts).filter((e) => e.boot === "bisect-e2e");
      expect(history.map((e) => commits.indexOf(e.gitCommit!))).toEqual(boots.map((s) => s.index));
      expect(history.map((e) => e.outcome)).toEqual(boots.map((s) => (s.kind === "bad" ? "hang" : "pass")));
      console.log(
        `git bisect: ${boots.length} boots, ${steps.length - boots.length} skipped commit(s); first bad ${firstBad[0]!.slice(0, 10)}`,
      );
    },
  );

  test("the commit with a broken expectation answers 125 (skip) without booting", { timeout: 60_000 }, async () => {
    await git("checkout", "-q", commits[BROKEN_EXPECTATION]!);
    const broken = await bootlog(["bisect", "boot.ts", "--artifacts", artifacts], {}, repo);
    await git("checkout", "-q", "main");
    expect(broken.code, broken.all).toBe(125);
    expect(broken.all).toContain(
      'SKIP expectation error: boot.ts: silence: not a duration (write e.g. "15s", "500ms", "2m")',
    );
    expect(broken.all).toContain(`bisect: skip (exit 125) at ${commits[BROKEN_EXPECTATION]}`);
    expect(readFileSync(join(repo, "boot.ts"), "utf8")).toContain(BAD_UART);
  });
});
