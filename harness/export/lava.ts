/**
 * `bootlog export lava <boot>`: the same expectation as a LAVA job definition, so a lab with LAVA
 * boots it on its own workers (device type qemu) and judges the same milestones.
 *
 * Mapping (bootlog expectation → LAVA job):
 *
 *   name                 → job_name "bootlog <name>"; metadata bootlog.* (file, hash, versions, budget, silence)
 *   machine.arch         → device_type qemu; context.arch arm64 | amd64
 *   plan.machine         → context.machine / cpu / memory (MB) (arm64: LAVA's qemu template turns them into
 *                          -machine/-cpu/-m); -smp, -no-reboot and x86's -machine/-cpu go to context.extra_options;
 *                          x86 sets context.no_kvm (the template would add -enable-kvm -cpu host)
 *   plan.boot + images   → deploy to: tmpfs, one image per file QEMU loads (xen, kernel, ramdisk = initrd,
 *                          dtb = the patched DTB, bios = U-Boot), each with url (file:// of the prepared file, or
 *                          --url-base), sha256sum, and image_arg: the exact QEMU option of the bootlog run with the
 *                          file replaced by {label} (LAVA's qemu convention, e.g. "-kernel {xen}",
 *                          "-device loader,file={kernel},addr=0x50000000"); a -append goes with the image before it.
 *                          An image only referenced inside another image's option gets image_arg "" so LAVA still
 *                          substitutes its {label}.
 *   boot                 → boot method: qemu, media: tmpfs, timeout = budget, no prompts and no auto_login: with
 *                          prompts LAVA's AutoLoginAction would read the console up to the prompt and every
 *                          milestone before it would be gone before the test could see it. Without prompts a
 *                          qemu boot only starts QEMU (LAVA allows that when no shell test definition follows).
 *   milestones           → test actions of type interactive, read from the first byte of the console. One step
 *                          per milestone, in order: name = milestone id, successes = its pattern followed by the rest
 *                          of the line already on screen (a line satisfies one milestone), command = the previous
 *                          milestone's `send` (LAVA sends it with a newline), wait_for_prompt: false. LAVA expects
 *                          prompts + failures + successes at once and takes the earliest match, which is bootlog's
 *                          ordered matching. The shell prompt is a success like any other milestone.
 *   prompts              → one pattern that never matches (NO_PROMPT): a prompt seen before the awaited success
 *                          fails that step in LAVA ("Matched a prompt (was expecting a success)"), while for bootlog
 *                          a prompt that is not the awaited milestone is just output.
 *   within               → a milestone with `within` gets its own test action with timeout = within (LAVA times
 *                          an action from its start, i.e. from the previous milestone); milestones without share
 *                          one test action with timeout = budget.
 *   budget               → timeouts.action and the boot action; timeouts.job = deploy (5 min) + budget + 1 min.
 *   silence              → timeouts.connection (LAVA's limit for one read; an interactive test keeps reading until
 *                          its action timeout, so a hang fails by the action timeout, not after `silence`).
 *   what LAVA cannot say → the header's notes and metadata bootlog.lava.unmapped.N (nth failures, silence,
 *                          known-bad, a send without newline).
 *   failOn               → failures of every step with exception TestError (the job stops, like fail);
 *                          patterns with nth > 1 (a second U-Boot banner) cannot be said in LAVA and are left out.
 *   patterns             → Python regular expressions (pexpect): literals escaped, JS named groups → (?P<..>);
 *                          a RegExp stays on one line as bootlog tests it: ^ and $ are lookarounds on CR or LF (a dom0
 *                          console ends its lines in CR CR LF: Xen adds a CR to Linux's CR LF), and `.`, \s, \D, \W,
 *                          [^…] take no CR or LF.
 *   knownBad             → not mapped (LAVA has no expected-failure verdict); noted in metadata.
 */
import { knownBadProperty } from "../artifacts/junit.ts";
import { outcomeAfter } from "../vocabulary.ts";
import { isAbsolute, basename } from "node:path";
import { statSync } from "node:fs";
import { stringify } from "yaml";
import type { Expectation } from "../expectations/loader.ts";
import type { Milestone, Pattern, SendContext } from "../expectations/schema.ts";
import { sha256File } from "../images/cache.ts";
import type { PackageVersion } from "../result.ts";
import { expectationHash } from "../provenance.ts";
import { planBoot } from "../machines/plan-boot.ts";
import type { MachinePlan } from "../machines/plan.ts";
import { lavaStreamView } from "./lava-streams.ts";
import { validateLavaJob, type LavaAction, type LavaJob, type LavaTimeout } from "./lava-schema.ts";

export { validateLavaJob, type LavaJob } from "./lava-schema.ts";

/** What a boot loads: the machine plan of the bootlog run and the prepared files it names. */
export interface LavaInput {
  exp: Expectation;
  /** The planned machine: its parts are mapped, not its command line. */
  plan: Pick<MachinePlan, "machine" | "console" | "boot" | "extra">;
  /** Prepared images by role (expectation images), with their sha256. */
  images: Record<string, { path: string; sha256: string }>;
  sendContext: SendContext;
  packages: PackageVersion[];
  expectationHash?: string;
}

export interface LavaOptions {
  /** Where the lab serves the image files (default: file:// paths on this machine). */
  urlBase?: string;
  /** Deploy (download) timeout in seconds. */
  deploySeconds?: number;
}

export interface LavaExport {
  job: LavaJob;
  /** Local file → URL in the job, for publishing. */
  files: { label: string; path: string; url: string }[];
  /** Things the job cannot say exactly like bootlog does. */
  notes: string[];
}

// ---- patterns ---------------------------------------------------------------

const PY_META = /[.*+?^${}()|[\]\\]/g;

/**
 * Line semantics in a Python regex: bootlog tests a RegExp on one line (CR LF, lone CR and LF all
 * end a line), pexpect searches the raw console stream, where lines can end in "\r\r\n" (Xen's
 * console adds a CR to Linux's "\r\n", as does a terminal that maps LF to CR LF). A `$` that allowed
 * one CR matched only when a read happened to end between the two CRs, so the prompt after the
 * line usually won. So nothing may cross a
 * line end and the anchors are line ends of any kind.
 */
const LINE_START = "(?<![^\\r\\n])";
const LINE_END = "(?=[\\r\\n])";
const OUTSIDE_CLASS: Record<string, string> = {
  ".": "[^\\r\\n]",
  "^": LINE_START,
  $: LINE_END,
};
const ESCAPE_OUTSIDE_CLASS: Record<string, string> = { s: "[^\\S\\r\\n]", D: "[^\\d\\r\\n]", W: "[^\\w\\r\\n]" };
const ESCAPE_IN_CLASS: Record<string, string> = { s: " \\t\\f\\v" };

/**
 * A bootlog pattern as a Python regular expression for pexpect (LAVA compiles it with re.DOTALL):
 * a literal is escaped; a RegExp keeps its meaning on a line (see LINE_START), named groups and
 * backreferences in Python's spelling, `i` as a scoped flag.
 */
export function pythonPattern(pattern: Pattern): string {
  if (typeof pattern === "string") return pattern.replace(PY_META, "\\$&");
  const source = pattern instanceof RegExp ? pattern.source : pattern.regex;
  const flags = pattern instanceof RegExp ? pattern.flags : (pattern.flags ?? "");
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      i++;
      if (next === "k" && source[i + 1] === "<") {
        const end = source.indexOf(">", i);
        out += `(?P=${source.slice(i + 2, end)})`;
        i = end;
      } else if (next === "/") out += "/";
      else out += (inClass ? ESCAPE_IN_CLASS : ESCAPE_OUTSIDE_CLASS)[next] ?? c + next;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      // A negated class must not take a line end either; JS's [^] (anything) is Python's [^\r\n] here.
      if (source[i + 1] === "^") {
        out += "[^\\r\\n";
        i++;
        continue;
      }
      out += c;
      continue;
    }
    if (c === "(" && source.startsWith("?<", i + 1) && source[i + 3] !== "=" && source[i + 3] !== "!") {
      out += "(?P<";
      i += 2;
      continue;
    }
    out += OUTSIDE_CLASS[c] ?? c;
  }
  return flags.includes("i") ? `(?i:${out})` : out;
}

/**
 * What a step waits for: the pattern, then the rest of the line already on screen, because in
 * bootlog a line (or the unterminated tail) satisfies at most one milestone.
 */
export function pythonSuccess(pattern: Pattern): string {
  return `${pythonPattern(pattern)}[^\\r\\n]*`;
}

/**
 * The interactive scripts' prompt, which never matches: LAVA waits for prompts + failures +
 * successes at once and a prompt seen before a success fails that step ("Matched a prompt (was
 * expecting a success)"), while in bootlog text that is not the awaited milestone is just output.
 * Every milestone, the shell prompt included, is a success.
 */
export const NO_PROMPT = "(?!)no prompt: every bootlog milestone is a success";

// ---- images and machine -----------------------------------------------------

interface Item {
  flag: string;
  value?: string;
}

function items(args: string[]): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = args[i + 1];
    if (value !== undefined && !value.startsWith("-")) {
      out.push({ flag, value });
      i++;
    } else out.push({ flag });
  }
  return out;
}

/** Quoting that pexpect's split_command_line undoes (LAVA joins the QEMU options with spaces). */
function quoteArg(arg: string): string {
  if (!/[\s"'\\]/.test(arg)) return arg;
  if (!arg.includes('"')) return `"${arg}"`;
  if (!arg.includes("'")) return `'${arg}'`;
  return arg.replace(/[\s"'\\]/g, "\\$&");
}

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

function memoryMb(memory: string): number {
  const m = /^(\d+)([MG])$/.exec(memory);
  if (!m) throw new Error(`memory "${memory}" is not <n>M or <n>G`);
  return Number(m[1]) * (m[2] === "G" ? 1024 : 1);
}

interface Step {
  command: string | null;
  name?: string;
  successes?: { message: string }[];
  failures?: { message: string; exception?: "InfrastructureError" | "JobError" | "TestError"; error?: string }[];
  wait_for_prompt?: boolean;
}

const ROLE_LABEL: Record<string, string> = { initrd: "ramdisk" };

interface MachineMapping {
  context: NonNullable<LavaJob["context"]>;
  images: Record<string, { path: string; sha256?: string; args: string[] }>;
}

/** Split the bootlog machine plan into LAVA's device context and per-image image_arg. */
async function mapMachine(input: LavaInput): Promise<MachineMapping> {
  const { exp, plan } = input;
  const machine = plan.machine;
  const get = (flag: string) => machine[machine.indexOf(flag) + 1]!;
  const extra: string[] = [`-smp ${get("-smp")}`];
  const arm = exp.machine.arch !== "x86_64";
  const context: MachineMapping["context"] = arm
    ? {
        // LAVA's qemu template runs qemu-system-aarch64 for arm64, qemu-system-arm for arm.
        arch: exp.machine.arch === "arm" ? "arm" : "arm64",
        machine: get("-machine"),
        cpu: get("-cpu"),
        memory: memoryMb(exp.machine.memory),
      }
    : { arch: "amd64", no_kvm: true, memory: memoryMb(exp.machine.memory) };
  if (!arm) extra.unshift(`-machine ${get("-machine")}`, `-cpu ${get("-cpu")}`);

  // Files QEMU loads: the prepared images, then any other file named on the command line (the DTB, U-Boot).
  const labelOf = new Map<string, string>();
  const images: MachineMapping["images"] = {};
  const addImage = (label: string, path: string, sha256?: string) => {
    let unique = label;
    for (let k = 2; images[unique]; k++) unique = `${label}${k}`;
    images[unique] = { path, sha256, args: [] };
    labelOf.set(path, unique);
  };
  const loaded = new Set(plan.boot.flatMap((b) => b.images));
  for (const [role, img] of Object.entries(input.images))
    if (loaded.has(role)) addImage(ROLE_LABEL[role] ?? role, img.path, img.sha256);
  // LAVA's qemu template adds -nographic itself.
  const rest = items([
    ...plan.console.filter((a) => a !== "-nographic"),
    ...plan.boot.flatMap((b) => b.args),
    ...plan.extra,
  ]);
  for (const item of rest)
    if (item.value && isAbsolute(item.value) && !labelOf.has(item.value) && isFile(item.value))
      addImage(item.flag.replace(/^-+/, "").replace(/[^a-z0-9_]/gi, "_"), item.value);

  const paths = [...labelOf.keys()].sort((a, b) => b.length - a.length);
  let last: string | undefined;
  for (const item of rest) {
    let value = item.value;
    const refs: { at: number; label: string }[] = [];
    if (value !== undefined) {
      for (const path of paths) {
        const at = value.indexOf(path);
        if (at >= 0) refs.push({ at, label: labelOf.get(path)! });
        value = value.split(path).join(`{${labelOf.get(path)}}`);
      }
    }
    const text = value === undefined ? item.flag : `${item.flag} ${quoteArg(value)}`;
    refs.sort((a, b) => a.at - b.at);
    const owner = refs[0]?.label ?? (item.flag === "-append" ? last : undefined);
    if (owner) {
      images[owner]!.args.push(text);
      last = owner;
    } else extra.push(text);
  }
  context.extra_options = extra;
  for (const img of Object.values(images)) img.sha256 ??= await sha256File(img.path);
  return { context, images };
}

// ---- milestones ---------------------------------------------------------------

function sendText(m: Milestone, ctx: SendContext, notes: string[]): string | undefined {
  if (m.send === undefined) return undefined;
  const text = typeof m.send === "function" ? m.send(ctx) : m.send;
  if (!text.endsWith("\n"))
    notes.push(`milestone ${m.id}: send ${JSON.stringify(text)} has no newline; LAVA sends every command with one`);
  return text.replace(/\r?\n$/, "");
}

const seconds = (s: number): LavaTimeout => ({ seconds: Math.max(1, Math.ceil(s)) });

/** The LAVA job for one prepared boot. */
export async function lavaJob(input: LavaInput, opts: LavaOptions = {}): Promise<LavaExport> {
  const notes: string[] = [];
  const exp = lavaStreamView(input.exp, notes);
  const { context, images } = await mapMachine(input);
  const { files, deployImages } = publishedImages(images, opts);
  const tests = testActions(exp, failurePatterns(exp, notes), input.sendContext, notes);
  notes.push(...unmappedFields(exp));
  const deploySeconds = opts.deploySeconds ?? 300;
  const job: LavaJob = {
    job_name: `bootlog ${exp.name}`.slice(0, 200),
    device_type: "qemu",
    priority: "medium",
    visibility: "public",
    timeouts: {
      job: { minutes: Math.ceil((deploySeconds + exp.budgetS + 60) / 60) },
      action: seconds(exp.budgetS),
      connection: seconds(exp.silenceS),
    },
    context,
    metadata: jobMetadata(exp, input, notes),
    actions: [
      { deploy: { to: "tmpfs", timeout: seconds(deploySeconds), images: deployImages } },
      { boot: { method: "qemu", media: "tmpfs", timeout: seconds(exp.budgetS) } },
      ...tests,
    ],
  };
  const checked = validateLavaJob(job);
  if (!checked.ok) throw new Error(`${exp.file}: the LAVA job does not validate:\n  ${checked.errors.join("\n  ")}`);
  return { job, files, notes };
}

type DeployImages = Record<string, { url: string; sha256sum?: string; image_arg: string }>;

/** Where LAVA fetches each image (--url-base, else a file:// path here) and the files to publish there. */
function publishedImages(
  images: MachineMapping["images"],
  opts: LavaOptions,
): { files: LavaExport["files"]; deployImages: DeployImages } {
  const files: LavaExport["files"] = [];
  const deployImages: DeployImages = {};
  for (const [label, img] of Object.entries(images)) {
    const url = opts.urlBase
      ? `${opts.urlBase.replace(/\/+$/, "")}/${encodeURIComponent(basename(img.path))}`
      : `file://${encodeURI(img.path)}`;
    files.push({ label, path: img.path, url });
    deployImages[label] = { url, ...(img.sha256 ? { sha256sum: img.sha256 } : {}), image_arg: img.args.join(" ") };
  }
  return { files, deployImages };
}

/** The failOn patterns as every step's LAVA failures (a second match, `nth`, cannot be said: noted and left out). */
function failurePatterns(exp: Expectation, notes: string[]): NonNullable<Step["failures"]> {
  return exp.failOn.flatMap((f) => {
    if ((f.nth ?? 1) > 1) {
      notes.push(`failOn ${f.id} (nth: ${f.nth}) is left out: a LAVA failure pattern ends the job at its first match`);
      return [];
    }
    return [{ message: pythonPattern(f.match), exception: "TestError" as const, error: `bootlog failOn ${f.id}` }];
  });
}

/** One interactive step per milestone (typing the previous milestone's send); one test action per milestone with `within`, one per run of milestones without. */
function testActions(
  exp: Expectation,
  failures: NonNullable<Step["failures"]>,
  sendContext: SendContext,
  notes: string[],
): LavaAction[] {
  const groups: { within?: number; steps: Step[]; first: string }[] = [];
  let command: string | null = null;
  exp.milestones.forEach((m) => {
    const step: Step = {
      command,
      name: m.id,
      successes: [{ message: pythonSuccess(m.match) }],
      ...(failures.length ? { failures } : {}),
      wait_for_prompt: false,
    };
    const within = m.withinS;
    const open = groups.at(-1);
    if (within !== undefined || !open || open.within !== undefined) groups.push({ within, steps: [step], first: m.id });
    else open.steps.push(step);
    command = sendText(m, sendContext, notes) ?? null;
  });
  if (command !== null)
    notes.push(`the last milestone's send (${JSON.stringify(command)}) is not typed: nothing is awaited after it`);
  return groups.map((g) => ({
    test: {
      timeout: seconds(g.within ?? exp.budgetS),
      interactive: [{ name: `${exp.name}.${g.first}`, prompts: [NO_PROMPT], script: g.steps }],
    },
  }));
}

/** What of the expectation a LAVA job does not do as bootlog does: knownBad and silence. */
function unmappedFields(exp: Expectation): string[] {
  return [
    ...(exp.knownBad
      ? [
          `knownBad (${outcomeAfter(exp.knownBad.outcome, exp.knownBad.after)}) is not mapped: LAVA reports the failure as is`,
        ]
      : []),
    `silence (${exp.silence}) is not enforced: LAVA has no limit on quiet output, so a hang fails as a timeout of the pending milestone's test action (its within, else the budget)`,
  ];
}

/** The job's metadata: what `bootlog import lava` reads back (name, file, budget, silence, hash, known-bad, packages) and the notes. */
function jobMetadata(exp: Expectation, input: LavaInput, notes: string[]): Record<string, string> {
  const metadata: Record<string, string> = {
    "bootlog.expectation": exp.name,
    "bootlog.file": exp.file,
    "bootlog.budget": exp.budget,
    "bootlog.silence": exp.silence,
  };
  if (input.expectationHash) metadata["bootlog.expectation_hash"] = input.expectationHash;
  // What the job cannot say as bootlog does, where a lab's people (and `bootlog import lava`) read it.
  notes.forEach((note, i) => (metadata[`bootlog.lava.unmapped.${i + 1}`] = note));
  if (exp.knownBad) metadata["bootlog.known_bad"] = knownBadProperty(exp.knownBad);
  if (exp.knownBad?.shows)
    metadata["bootlog.known_bad_shows"] = String(
      exp.knownBad.shows instanceof RegExp
        ? exp.knownBad.shows
        : typeof exp.knownBad.shows === "string"
          ? exp.knownBad.shows
          : exp.knownBad.shows.regex,
    );
  // The post-mortem reads guest RAM and QMP on bootlog's own host: a LAVA worker offers neither.
  metadata["bootlog.postmortem"] =
    "local only: bootlog run examines guest RAM and vCPUs after a failed boot; LAVA jobs do not";
  for (const p of input.packages) metadata[`bootlog.package.${p.package}`] = `${p.version} (${p.arch})`;
  return metadata;
}

/** The job as YAML, with a header saying where it came from and what to publish. */
export function lavaYaml(out: LavaExport, exp: Expectation): string {
  const header = [
    `# LAVA job for the bootlog expectation "${exp.name}" (${exp.file}).`,
    "# Generated by `bootlog export lava`; see harness/export/lava.ts for how each field is mapped.",
    "# Milestones are interactive test steps in order; a milestone with `within` is its own test action.",
    ...(out.files.some((f) => f.url.startsWith("file://"))
      ? [
          "# Image URLs are file:// paths on the machine that exported this job: publish the files and",
          "# export again with --url-base URL, or edit the urls.",
        ]
      : ["# Publish these files at their URLs:"]),
    ...out.files.map((f) => `#   ${f.label}: ${f.path}${f.url.startsWith("file://") ? "" : ` -> ${f.url}`}`),
    ...out.notes.map((n) => `# note: ${n}`),
  ];
  return `${header.join("\n")}\n${stringify(out.job, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** Prepare the expectation's images (through the cache), plan its QEMU command line, and map both to a LAVA job. */
export async function exportLava(
  exp: Expectation,
  opts: LavaOptions = {},
): Promise<{ export: LavaExport; yaml: string }> {
  const { prepared, plan } = await planBoot(exp);
  const out = await lavaJob(
    {
      exp,
      plan,
      images: prepared.images,
      sendContext: plan.sendContext,
      packages: prepared.packages,
      expectationHash: expectationHash(exp),
    },
    opts,
  );
  return { export: out, yaml: lavaYaml(out, exp) };
}
