/**
 * Malformed expectation FILES through the CLI (`bootlog run --expectations DIR`): rejected
 * before anything boots, exit 125, the message names the file and the field. "Nothing boots"
 * is checked with a fake QEMU that records any run at all (even `--version`).
 * (tests/unit/expectations.test.ts covers many more malformed objects in-process.)
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { writeExpectationFile } from "./fake-qemu.ts";
import { bootlog as run } from "../helpers/cli.ts";

const ROOT = join(import.meta.dirname, "../..");
const DEFINE = join(ROOT, "harness/expectations/index.ts");
const dir = mkdtempSync(join(tmpdir(), "bootlog-bad-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A "QEMU" that leaves a marker whenever anything runs it, even `--version`: proof that nothing tried to boot. */
const marker = join(dir, "started");
const qemu = join(dir, "qemu-marker.sh");
writeFileSync(qemu, `#!/bin/sh\necho "$@" >> '${marker}'\necho "QEMU emulator version 7.2.0 (marker)"\n`, {
  mode: 0o755,
});

/** A valid expectation's source, with `patch` applied to the object literal text. */
function source(fields: Record<string, string>): string {
  const base: Record<string, string> = {
    name: `"bad-file"`,
    machine: `{ arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" }`,
    images: `{ image: userImage({ path: ${JSON.stringify(qemu)} }) }`,
    milestones: `[{ id: "first", match: "FAKE-BOOT-1" }, { id: "prompt", match: /FAKE-PROMPT # / }]`,
    failOn: `[...linuxPanics]`,
    silence: `"3s"`,
    budget: `"30s"`,
  };
  const all = { ...base, ...fields };
  const body = Object.entries(all)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `  ${k}: ${v},`)
    .join("\n");
  return `import { defineBoot, linuxPanics, userImage } from ${JSON.stringify(DEFINE)};\n\nexport default defineBoot({\n${body}\n} as any);\n`;
}

interface Case {
  file: string;
  text: string;
  /** What the message must name: the field (as the loader writes it) and words of the problem. */
  field: string;
  problem: RegExp;
}

const CASES: Case[] = [
  {
    file: "empty-milestones.ts",
    text: source({ milestones: "[]" }),
    field: "milestones",
    problem: /at least one milestone/,
  },
  {
    file: "duplicate-id.ts",
    text: source({ milestones: `[{ id: "first", match: "A" }, { id: "first", match: "B" }]` }),
    field: "milestones[1].id",
    problem: /duplicate milestone id "first"/,
  },
  { file: "bad-duration.ts", text: source({ silence: `"15 seconds"` }), field: "silence", problem: /not a duration/ },
  {
    file: "known-bad-after.ts",
    text: source({ knownBad: `{ outcome: "hang", after: "no-such-milestone", reason: "test" }` }),
    field: "knownBad.after",
    problem: /names no milestone: "no-such-milestone"/,
  },
  {
    file: "unknown-key.ts",
    text: source({ machine: `{ arch: "aarch64", memory: "128M", cpus: 1, firmware: "image", cpuz: 2 }` }),
    field: "machine.cpuz",
    problem: /unknown key "cpuz"/,
  },
  { file: "syntax-error.ts", text: "export default defineBoot({ name: \n", field: "", problem: /cannot be loaded/ },
];

const bootlog = (args: string[]) => run(args, { BOOTLOG_QEMU_AARCH64: qemu });

describe("malformed expectation files are rejected before boot, naming file and field", () => {
  test.concurrent.each(CASES)(
    "$file",
    async ({ file, text, field, problem }) => {
      const caseDir = join(dir, file.replace(/\.ts$/, ""));
      writeExpectationFile(caseDir, file, text);
      const artifacts = join(caseDir, "artifacts");
      const r = await bootlog(["run", "--expectations", caseDir, "--artifacts", artifacts]);
      expect(r.code, r.stdout + r.stderr).toBe(125);
      const message = r.stderr.trim();
      expect(message).toMatch(/^bootlog: /);
      expect(message).toContain(file);
      if (field) expect(message).toContain(`${file}: ${field}: `);
      expect(message).toMatch(problem);
      expect(existsSync(marker), "a QEMU was started for a bad expectation").toBe(false);
      expect(existsSync(artifacts) ? readdirSync(artifacts) : []).toEqual([]);
    },
    150_000,
  );

  test("one bad file among good ones: nothing boots (list fails the same way)", async () => {
    const mixed = join(dir, "mixed");
    writeExpectationFile(mixed, "a-good.ts", source({ name: `"good-one"` }));
    writeExpectationFile(mixed, "b-bad.ts", source({ name: `"bad-one"`, budget: `"-5s"` }));
    const run = await bootlog(["run", "good-one", "--expectations", mixed, "--artifacts", join(mixed, "artifacts")]);
    expect(run.code, run.stdout + run.stderr).toBe(125);
    expect(run.stderr).toContain("b-bad.ts: budget: ");
    const list = await bootlog(["list", "--expectations", mixed]);
    expect(list.code).toBe(125);
    expect(list.stderr).toContain("b-bad.ts: budget: ");
    expect(existsSync(marker)).toBe(false);
  }, 150_000);
});
