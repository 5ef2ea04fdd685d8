/**
 * The bootlog CLI run as a user runs it, on fake boots: expectation files whose "QEMU" is a
 * fake (fake-qemu.ts), and a fake apt (apt-cache, apt-get download) that serves made-up
 * package versions built with the real dpkg-deb, for bisect-versions without the network.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeImage, playingQemu, writeExpectationFile, type Step } from "./fake-qemu.ts";

import { ROOT } from "../helpers/cli.ts";

export const DEFINE = join(ROOT, "harness/expectations/index.ts");

/** Milestones of every fake expectation. */
export const FAKE_MILESTONES_SOURCE = `[{ id: "first", match: "FAKE-BOOT-1" }, { id: "prompt", match: "FAKE-PROMPT # " }]`;

/** An expectation file `name`.ts in `dir` booting a fake image (firmware "image"), with extra fields as source text. */
export function fakeExpectationFile(dir: string, name: string, fields: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    name: JSON.stringify(name),
    machine: `{ arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" }`,
    images: `{ image: userImage({ path: ${JSON.stringify(fakeImage(dir))} }) }`,
    milestones: FAKE_MILESTONES_SOURCE,
    failOn: "[...linuxPanics]",
    silence: `"1s"`,
    budget: `"30s"`,
    ...fields,
  };
  const body = Object.entries(all)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `  ${k}: ${v},`)
    .join("\n");
  return writeExpectationFile(
    dir,
    `${name}.ts`,
    `import { defineBoot, linuxPanics, userImage, deb } from ${JSON.stringify(DEFINE)};\nvoid deb;\nexport default defineBoot({\n${body}\n});\n`,
  );
}

/** Console steps of a boot that passes, and of one that hangs after the first milestone. */
export const PASSING: Step[] = [{ text: "FAKE-BOOT-1\r\n" }, { text: "FAKE-PROMPT # " }];
export const HANGING: Step[] = [{ text: "FAKE-BOOT-1\r\n" }];

/** A fake QEMU that plays `steps`. */
export const fakeQemu = (dir: string, name: string, steps: Step[]) => playingQemu(dir, name, steps);

/**
 * A fake QEMU for bisect-versions: it reads the file given to -kernel, which the fake apt made
 * with a `BEHAVIOUR=pass|hang|kill` line, and boots accordingly (kill: dies by SIGKILL = infra).
 */
export function versionedQemu(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "versioned-qemu.mjs");
  writeFileSync(
    path,
    `#!/usr/bin/env node
import { readFileSync } from "node:fs";
if (process.argv.includes("--version")) { console.log("QEMU emulator version 7.2.0 (fake)"); process.exit(0); }
const kernel = process.argv[process.argv.indexOf("-kernel") + 1];
const behaviour = /BEHAVIOUR=(\\w+)/.exec(readFileSync(kernel, "latin1"))?.[1];
if (behaviour === "kill") process.kill(process.pid, "SIGKILL");
process.stdout.write("FAKE-BOOT-1\\r\\n");
if (behaviour === "pass") process.stdout.write("FAKE-PROMPT # ");
setInterval(() => {}, 1 << 30);
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/**
 * A fake apt on PATH: `apt-cache search/madison/policy` answer from `packages` (name →
 * versions, oldest first), `apt-get download` builds a real .deb holding `boot/fake-image`
 * (an ELF header, then BEHAVIOUR=<behaviour of that version>). Returns the PATH to use.
 */
export function fakeApt(dir: string, packages: Record<string, Record<string, "pass" | "hang" | "kill">>): string {
  const bin = join(dir, "fake-apt-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, "fake-apt.json"), JSON.stringify(packages));
  const common = `#!/usr/bin/env node
import { readFileSync } from "node:fs";
const packages = JSON.parse(readFileSync(${JSON.stringify(join(dir, "fake-apt.json"))}, "utf8"));
const args = process.argv.slice(2);
`;
  writeFileSync(
    join(bin, "apt-cache"),
    `${common}
const [cmd, ...rest] = args.filter((a) => !a.startsWith("--"));
const bare = (n) => n.replace(/:.*$/, "");
if (cmd === "search") {
  const re = new RegExp(rest[0]);
  for (const name of Object.keys(packages)) if (re.test(name)) console.log(name + " - fake package");
} else if (cmd === "madison") {
  for (const arg of rest) for (const v of Object.keys(packages[bare(arg)] ?? {}).reverse()) console.log(\`\${arg} | \${v} | fake bookworm/main arm64 Packages\`);
} else if (cmd === "policy") {
  const versions = Object.keys(packages[bare(rest[0])] ?? {});
  console.log(\`\${rest[0]}:\\n  Installed: (none)\\n  Candidate: \${versions.at(-1) ?? "(none)"}\`);
}
`,
  );
  writeFileSync(
    join(bin, "apt-get"),
    `${common}
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const spec = args.at(-1);
const m = /^([^:=]+)(?::[^=]+)?=(.+)$/.exec(spec);
const behaviour = m && packages[m[1]]?.[m[2]];
if (!behaviour) { console.error("E: no such version " + spec); process.exit(100); }
const root = mkdtempSync(join(process.cwd(), ".build-"));
mkdirSync(join(root, "DEBIAN"));
mkdirSync(join(root, "boot"));
writeFileSync(join(root, "DEBIAN/control"), \`Package: \${m[1]}\\nVersion: \${m[2]}\\nArchitecture: arm64\\nMaintainer: fake <fake@example.org>\\nDescription: fake\\n\`);
writeFileSync(join(root, "boot/fake-image"), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from(\`\\nBEHAVIOUR=\${behaviour}\\n\`)]));
execFileSync("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", root, \`\${m[1]}_\${m[2]}_arm64.deb\`], { stdio: "ignore" });
execFileSync("rm", ["-rf", root]);
`,
  );
  chmodSync(join(bin, "apt-cache"), 0o755);
  chmodSync(join(bin, "apt-get"), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** A deb-image expectation for bisect-versions on the fake apt: images.image from package `pkg`. */
export function versionedExpectationFile(dir: string, name: string, pkg: string): string {
  return fakeExpectationFile(dir, name, { images: `{ image: deb(${JSON.stringify(pkg)}, "boot/fake-image") }` });
}
