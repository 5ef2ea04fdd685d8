import * as z from "zod";
import { MAX_RUNS, OUTCOMES } from "../vocabulary.ts";
import { durationProblem } from "./duration.ts";
import { domUSchema, missingDomURoles, staticMemIssues } from "./dom0less.ts";
import { toolstackInitrdSchema, toolstackIssues } from "./toolstack.ts";
import { knownAfterIds, streamIssues, streamSchema } from "./streams.ts";
import { xenSourceIssues, xenSourceSchema } from "./xen-source.ts";

// zod compiles a fast path for each object schema with `new Function` on its first parse. A CLI
// start parses each schema a few dozen times, so the compile costs more than it saves.
z.config({ jitless: true });

/** Sizes and paths of prepared images, for `send` texts that depend on them (U-Boot `fdt set ... reg`). */
export interface PreparedImageInfo {
  path: string;
  size: number;
  sizeHex: string;
  /** Where the machine loaded it in guest memory ("0x50000000"), when the firmware finds it there (U-Boot). */
  addr?: string;
}
export type SendContext = Record<string, PreparedImageInfo>;

const duration = z.string().superRefine((s, ctx) => {
  const problem = durationProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const regexSpec = z.strictObject({ regex: z.string(), flags: z.string().optional() }).superRefine((spec, ctx) => {
  try {
    new RegExp(spec.regex, spec.flags);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `invalid regex: ${(error as Error).message}` });
  }
});

/** A literal (substring of a line or of the unterminated tail) or a regular expression. */
const pattern = z.union([z.string().min(1, "an empty pattern matches everything"), z.instanceof(RegExp), regexSpec]);

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "ids are lower-case words joined by - . or _")
  .refine((s) => s !== "start", { message: '"start" is reserved: it means "before any milestone"' });

const send = z.union([
  z.string().min(1),
  z.custom<(ctx: SendContext) => string>((v) => typeof v === "function", "must be text or a function returning text"),
]);

const milestone = z.strictObject({
  id,
  match: pattern,
  within: duration.optional(),
  send: send.optional(),
  description: z.string().optional(),
});

const failurePattern = z.strictObject({
  id: z.string().min(1),
  match: pattern,
  nth: z.number().int().positive().optional(),
});

const debImage = z.strictObject({
  kind: z.literal("deb"),
  package: z.string().min(1),
  /** Path (glob) inside the package of the file to boot. */
  path: z.string().min(1),
  /** Pin a version (`apt-get download pkg=VERSION`); default: apt's candidate. */
  version: z.string().min(1).optional(),
  /** The package is a metapackage: boot what it depends on (e.g. linux-image-arm64). */
  follow: z.boolean().optional(),
  /** Boot the file gzip-compressed (a compressed domU kernel, which Xen must unpack itself). */
  gzip: z.boolean().optional(),
});

const busyboxInitrdImage = z.strictObject({
  kind: z.literal("busybox-initrd"),
  /** Extra shell lines run by /init before the shell. */
  initLines: z.array(z.string()).optional(),
  /** Pin busybox-static's version (default: apt's candidate). */
  version: z.string().min(1).optional(),
  /** Kernel modules /init loads after its marker line (e.g. a domU's xen-netfront), their dependencies first. */
  modules: z
    .array(z.string().regex(/^[\w-]+$/, "a module name, e.g. xen-netfront"))
    .min(1)
    .optional(),
  /** The image role of the kernel those modules come from, a Debian package (default "kernel"). */
  modulesFrom: z.string().min(1).optional(),
});

const fileImage = z.strictObject({
  kind: z.literal("file"),
  /** A path, or undefined when it comes from `env` and the variable is not set. */
  path: z.string().min(1).optional(),
  env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional(),
});

const image = z.discriminatedUnion("kind", [
  debImage,
  busyboxInitrdImage,
  fileImage,
  toolstackInitrdSchema,
  xenSourceSchema,
]);

const memory = z.string().regex(/^\d+[MG]$/, 'write memory as e.g. "2G" or "512M"');

const machine = z.strictObject({
  arch: z.enum(["aarch64", "arm", "x86_64"]),
  memory,
  cpus: z.number().int().min(1).max(64),
  cpu: z.string().min(1).optional(),
  /** direct: QEMU loads Xen/Linux itself; u-boot: Debian's U-Boot as firmware; image: one user file. */
  firmware: z.enum(["direct", "u-boot", "image"]),
  virtualization: z.boolean().optional(),
  gic: z.union([z.literal(2), z.literal(3)]).optional(),
  extraArgs: z.array(z.string()).optional(),
});

const boot = z.strictObject({
  /** Xen's command line (xen,xen-bootargs / multiboot -append). */
  xen: z.string().optional(),
  /** Linux's command line (dom0, or Linux booted alone). */
  linux: z.string().optional(),
  /** dom0less (arm64 direct): domUs Xen starts from the device tree; without images.kernel there is no dom0 at all. */
  domUs: z.array(domUSchema).min(1).optional(),
});

const outcome = z.enum(OUTCOMES);

const knownBad = z.strictObject({
  outcome: outcome.exclude(["pass", "infra"]),
  /** The last milestone reached before it goes wrong; "start" when none is. */
  after: z.string().min(1),
  /** Text the post-mortem (recovered Xen/Linux lines) or the console must show: the known cause, not only the symptom. */
  shows: pattern.optional(),
  reason: z.string().min(1),
  tracking: z.string().optional(),
  /** Intermittent: the share of runs that show it (0 < rate < 1), as seen when it was recorded. */
  rate: z
    .number()
    .gt(0, "a rate is a share of runs between 0 and 1 (exclusive); 0 means it never happens")
    .lt(1, "a rate is a share of runs between 0 and 1 (exclusive); 1 means every run: drop rate")
    .superRefine((rate, ctx) => {
      const problem = rateProblem(rate);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
});

/**
 * A rate so low that no run bootlog allows could tell it from a fix: with N clean runs a failure
 * at `rate` is ruled out only when (1 - rate)^N < 0.001, and N is at most MAX_RUNS. Accepting
 * it would make XPASS unreachable and `bisect` boot its 100 runs per step for nothing.
 */
export function rateProblem(rate: number): string | undefined {
  if (!(rate > 0 && rate < 1)) return undefined;
  const needed = Math.ceil(Math.log(0.001) / Math.log1p(-rate));
  if (needed <= MAX_RUNS) return undefined;
  const lowest = 1 - 0.001 ** (1 / MAX_RUNS);
  return `${rate} is too rare to judge: telling it from a fix takes ${Number.isFinite(needed) ? needed.toPrecision(3) : "infinitely many"} clean runs ((1 - rate)^N < 0.001), and --runs allows at most ${MAX_RUNS}; the lowest rate bootlog can judge is ${lowest.toPrecision(2)}`;
}

const stream = streamSchema({ milestone, pattern, failurePattern, duration });
const streamName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "stream names are lower-case words joined by - . or _");

export const bootSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "names are lower-case words joined by - . or _"),
    description: z.string().optional(),
    tags: z.array(z.string().min(1)).optional(),
    machine,
    images: z.record(z.string(), image),
    boot: boot.optional(),
    /** One ordered list (the default), or `streams`: ordered lists per console stream. */
    milestones: z.array(milestone).min(1, "a boot needs at least one milestone").optional(),
    streams: z.record(streamName, stream).optional(),
    failOn: z.array(failurePattern).optional(),
    silence: duration,
    budget: duration,
    knownBad: knownBad.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.streams && !Object.keys(spec.streams).length)
      ctx.addIssue({
        code: "custom",
        path: ["streams"],
        message: "has no stream: a boot needs at least one milestone (give milestones, or streams with theirs)",
      });
    if (!spec.milestones === !spec.streams)
      ctx.addIssue({
        code: "custom",
        path: spec.streams ? ["streams"] : ["milestones"],
        message: spec.streams ? "give either milestones or streams, not both" : "is required (or streams)",
      });
    for (const issue of spec.streams ? streamIssues(spec.streams) : []) ctx.addIssue({ code: "custom", ...issue });
    const seen = new Map<string, number>();
    if (spec.streams) for (const id of knownAfterIds(spec.streams)) seen.set(id, -1);
    spec.milestones?.forEach((m, i) => {
      if (seen.has(m.id))
        ctx.addIssue({
          code: "custom",
          path: ["milestones", i, "id"],
          message: `duplicate milestone id "${m.id}" (also milestones[${seen.get(m.id)}])`,
        });
      else seen.set(m.id, i);
    });
    if (spec.knownBad && spec.knownBad.after !== "start" && !seen.has(spec.knownBad.after))
      ctx.addIssue({
        code: "custom",
        path: ["knownBad", "after"],
        message: `names no milestone: "${spec.knownBad.after}" (known: start, ${[...seen.keys()].join(", ")})`,
      });
    // Going wrong before any milestone, nothing of the guest ran that could race: the machine decides, the same every run.
    if (spec.knownBad?.rate !== undefined && spec.knownBad.after === "start")
      ctx.addIssue({
        code: "custom",
        path: ["knownBad", "rate"],
        message: `a ${spec.knownBad.outcome} after "start" cannot be intermittent: nothing of the guest ran before it (name the milestone after which it goes wrong, or drop rate)`,
      });
    if (spec.boot?.domUs && (spec.machine.arch === "x86_64" || spec.machine.firmware === "image" || !spec.images.xen))
      ctx.addIssue({
        code: "custom",
        path: ["boot", "domUs"],
        message: "dom0less domUs need Xen on arm (aarch64 or arm) with firmware direct or u-boot",
      });
    for (const issue of toolstackIssues(spec.images)) ctx.addIssue({ code: "custom", ...issue });
    for (const [role, source] of Object.entries(spec.images)) {
      if (source.kind !== "busybox-initrd" || !source.modules) continue;
      const from = source.modulesFrom ?? "kernel";
      if (spec.images[from]?.kind !== "deb")
        ctx.addIssue({
          code: "custom",
          path: ["images", role, source.modulesFrom ? "modulesFrom" : "modules"],
          message: `the modules come from image "${from}", which must be a Debian kernel package (deb or debianKernel)`,
        });
    }
    for (const issue of xenSourceIssues(spec.images, spec.machine.arch)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of spec.boot?.domUs ? missingDomURoles(spec.boot.domUs, spec.images) : [])
      ctx.addIssue({ code: "custom", ...issue });
    for (const issue of staticMemIssues(spec.boot?.domUs ?? [])) ctx.addIssue({ code: "custom", ...issue });
    // A pool names the machine's CPU nodes by phandle, which the typed U-Boot commands cannot look up.
    if (spec.machine.firmware === "u-boot")
      spec.boot?.domUs?.forEach((d, i) => {
        if (d.cpupool)
          ctx.addIssue({
            code: "custom",
            path: ["boot", "domUs", i, "cpupool"],
            message:
              'is set only in the direct path\'s device tree (firmware "direct"): behind U-Boot it would be left out',
          });
      });
    if (spec.machine.virtualization !== undefined && spec.machine.arch === "x86_64")
      ctx.addIssue({
        code: "custom",
        path: ["machine", "virtualization"],
        message: "only aarch64 and arm have a virtualization switch",
      });
    const needed = spec.machine.firmware === "image" ? ["image"] : spec.images.xen ? ["xen"] : ["kernel"];
    for (const key of needed)
      if (!spec.images[key])
        ctx.addIssue({
          code: "custom",
          path: ["images", key],
          message: `firmware "${spec.machine.firmware}" needs images.${key}`,
        });
  });

export type BootSpec = z.input<typeof bootSchema>;
export type Milestone = z.output<typeof milestone>;
export type StreamSpec = z.output<typeof stream>;
export type ImageSource = z.output<typeof image>;
export type KnownBad = z.output<typeof knownBad>;
export type Pattern = z.output<typeof pattern>;

/** Debian's name for each QEMU architecture (guest packages, tags). */
export const DEB_ARCH = { aarch64: "arm64", arm: "armhf", x86_64: "amd64" } as const;
