/**
 * bootlog in a user's repository, through the real CLI on fake boots: defaults resolve from the
 * project (the nearest package.json, or its bootlog.config.*), a userImage path from the
 * expectation file, `compare` says which expectation fields changed, and `culprit` on a boot of
 * user images names what changed and prints the `git bisect run` command (exit 1) instead of
 * refusing. `init` never overwrites.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fakeImage } from "./fake-qemu.ts";
import { DEFINE, fakeQemu, HANGING, PASSING } from "./fake-cli.ts";
import { bootlog } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-user-repo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const project = join(dir, "firmware");
const deep = join(project, "src", "deep");
const passing = fakeQemu(dir, "passing", PASSING);
const hanging = fakeQemu(dir, "hanging", HANGING);
const env = (qemu: string) => ({ BOOTLOG_QEMU_AARCH64: qemu, BOOTLOG_ARTIFACTS: undefined });

/** The user's expectation: their own image, by a path relative to this file. */
function writeExpectation(fields: { silence: string; prompt: string }): void {
  writeFileSync(
    join(project, "expectations", "board.ts"),
    `import { defineBoot, userImage } from ${JSON.stringify(DEFINE)};
export default defineBoot({
  name: "board",
  machine: { arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" },
  images: { image: userImage({ path: "../images/fake-image.elf" }) },
  milestones: [{ id: "first", match: "FAKE-BOOT-1" }, { id: "prompt", match: ${JSON.stringify(fields.prompt)} }],
  silence: ${JSON.stringify(fields.silence)},
  budget: "30s",
});
`,
  );
}

const runs = () =>
  readdirSync(join(project, "artifacts"))
    .filter((d) => /^\d{4}-/.test(d))
    .sort();

let oldRun: string;
let newRun: string;
beforeAll(async () => {
  mkdirSync(join(project, "expectations"), { recursive: true });
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "firmware", type: "module" })}\n`);
  fakeImage(join(project, "images"));
  writeExpectation({ silence: "1s", prompt: "FAKE-PROMPT # " });
  // Run from deep inside the project: expectations and artifacts are the project's, the image is found from the file.
  const old = await bootlog(["run"], env(passing), deep);
  expect(old.code, old.stdout + old.stderr).toBe(0);
  // Then the user changes the expectation and rebuilds the image, and the boot hangs.
  writeExpectation({ silence: "2s", prompt: "FAKE-PROMPT $ " });
  writeFileSync(
    join(project, "images", "fake-image.elf"),
    Buffer.concat([readFileSync(fakeImage(dir)), Buffer.from("rebuilt")]),
  );
  const now = await bootlog(["run"], env(hanging), deep);
  expect(now.code, now.stdout + now.stderr).toBe(1);
  [oldRun, newRun] = runs().map((r) => join(project, "artifacts", r));
}, 300_000);

describe("project-relative defaults", () => {
  test("run from a subfolder: the project's expectations, artifacts next to its package.json, the image from the file", () => {
    expect(runs()).toHaveLength(2);
    expect(existsSync(join(deep, "artifacts"))).toBe(false);
    const timeline = JSON.parse(readFileSync(join(oldRun, "board", "timeline.json"), "utf8"));
    expect(timeline.outcome).toBe("pass");
    expect(timeline.images).toEqual([{ role: "image", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  test("list shows the project's expectations, never bootlog's own", async () => {
    const list = await bootlog(["list", "--json"], {}, deep);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name)).toEqual(["board"]);
  }, 120_000);

  test("a project without expectations: a usage error naming its folder, not bootlog's boots", async () => {
    const empty = join(dir, "empty-project");
    mkdirSync(empty);
    writeFileSync(join(empty, "package.json"), "{}\n");
    const run = await bootlog(["run"], env(passing), empty);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(join(empty, "expectations"));
  }, 120_000);

  test("bootlog.config.ts sets the expectations and artifacts folders; a bad field is exit 2 naming file and field", async () => {
    const configured = join(dir, "configured");
    mkdirSync(join(configured, "boots"), { recursive: true });
    writeFileSync(join(configured, "package.json"), `${JSON.stringify({ name: "configured", type: "module" })}\n`);
    writeFileSync(
      join(configured, "boots", "b.ts"),
      readFileSync(join(project, "expectations", "board.ts"), "utf8")
        .replace("../images/fake-image.elf", join(project, "images", "fake-image.elf"))
        .replace("FAKE-PROMPT $ ", "FAKE-PROMPT # "),
    );
    const config = (body: string) =>
      writeFileSync(
        join(configured, "bootlog.config.ts"),
        `import { defineConfig } from ${JSON.stringify(DEFINE.replace("expectations/index.ts", "index.ts"))};\nexport default defineConfig(${body});\n`,
      );
    config(`{ expectations: "boots", artifacts: "out", lanes: 1 }`);
    const run = await bootlog(["run"], env(passing), configured);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(readdirSync(join(configured, "out")).some((d) => /^\d{4}-/.test(d))).toBe(true);
    config(`{ expectations: "boots", lanes: 0 } as never`);
    const bad = await bootlog(["list"], {}, configured);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bootlog\.config\.ts: lanes: /);
  }, 180_000);
});

describe("compare and culprit on a boot of user images", () => {
  test("compare shows which expectation fields changed and how, and the image's new sha256", async () => {
    const compare = await bootlog(["compare", oldRun, newRun], {}, project);
    expect(compare.code, compare.stderr).toBe(1);
    expect(compare.stdout).toContain('expectation silence: "1s" → "2s"');
    expect(compare.stdout).toContain('expectation milestones[1].match: "FAKE-PROMPT # " → "FAKE-PROMPT $ "');
    expect(compare.stdout).toMatch(/image image [0-9a-f]{12} → [0-9a-f]{12}/);
    expect(compare.stdout).not.toMatch(/expectation [0-9a-f]{12} → /);
  }, 120_000);

  test("culprit names what changed and prints the git bisect run command, exit 1, without booting", async () => {
    const out = join(dir, "culprit");
    const culprit = await bootlog(["culprit", oldRun, newRun, "--out", out, "--json"], env(passing), project);
    expect(culprit.code, culprit.stderr).toBe(1);
    const report = JSON.parse(culprit.stdout);
    const boot = report.boots[0];
    expect(boot.status).toBe("not-a-package");
    expect(boot.steps).toEqual([]);
    expect(report.bootsUsed).toBe(0);
    expect(boot.suspects).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^image image [0-9a-f]{12} → [0-9a-f]{12}$/),
        'expectation silence: "1s" → "2s"',
      ]),
    );
    expect(boot.gitBisect).toContain("git bisect run npx bootlog bisect board --bad-if 'hang after first'");
    const text = await bootlog(["culprit", oldRun, newRun, "--out", out], env(passing), project);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("git bisect run npx bootlog bisect board");
  }, 300_000);
});

describe("bootlog init", () => {
  test("writes the scaffold, and a second time overwrites nothing and names what it skipped", async () => {
    const fresh = join(dir, "fresh");
    const first = await bootlog(["init", fresh], {}, dir);
    expect(first.code, first.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(fresh, "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(pkg.scripts.test).toBe("vitest run");
    expect(existsSync(join(fresh, "expectations", "debian-arm64-linux.ts"))).toBe(true);
    writeFileSync(join(fresh, "tsconfig.json"), "{ /* mine */ }\n");
    const second = await bootlog(["init", fresh], {}, dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("skipped tsconfig.json (exists, left as it is)");
    expect(second.stdout).not.toContain("wrote");
    expect(readFileSync(join(fresh, "tsconfig.json"), "utf8")).toBe("{ /* mine */ }\n");
  }, 120_000);

  test("a package.json that is not JSON: exit 2, nothing written", async () => {
    const broken = join(dir, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "package.json"), "{ nope");
    const init = await bootlog(["init"], {}, broken);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain(join(broken, "package.json"));
    expect(readdirSync(broken)).toEqual(["package.json"]);
  }, 120_000);
});
