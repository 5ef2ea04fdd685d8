/**
 * The structure of a LAVA job definition, as LAVA's own submission schema checks it
 * (lava_common/schemas: job, deploy/tmpfs, boot/qemu, test/interactive, test/monitor), for the
 * subset bootlog writes, plus the cross-checks LAVA makes before it runs a job:
 *   - every action timeout fits in the job timeout (lava_common.schemas.check_job_timeouts);
 *   - a device_type (no multinode here);
 *   - a qemu boot needs context.arch, one of the qemu device type's architectures
 *     (CallQemuAction.validate);
 *   - image_arg placeholders name deployed images, and deploy comes before boot before test.
 * Strict: an unknown key is an error, as in LAVA's strict validation.
 */
import * as z from "zod";

/** lava_common.schemas.CONTEXT_VARIABLES (qemu, u-boot and generic ones). */
export const LAVA_CONTEXT_VARIABLES = [
  "arch",
  "boot_console",
  "boot_root",
  "cpu",
  "extra_options",
  "guestfs_driveid",
  "guestfs_interface",
  "guestfs_size",
  "machine",
  "memory",
  "model",
  "monitor",
  "netdevice",
  "no_kvm",
  "serial",
  "vga",
  "booti_dtb_addr",
  "booti_kernel_addr",
  "booti_ramdisk_addr",
  "bootm_dtb_addr",
  "bootm_kernel_addr",
  "bootm_ramdisk_addr",
  "bootz_dtb_addr",
  "bootz_kernel_addr",
  "bootz_ramdisk_addr",
  "boot_character_delay",
  "bootloader_prompt",
  "console_device",
  "custom_kernel_args",
  "extra_kernel_args",
  "extra_nfsroot_args",
  "kernel_loglevel",
  "kernel_start_message",
  "lava_test_results_dir",
  "menu_interrupt_prompt",
  "mustang_menu_list",
  "test_character_delay",
  "tftp_mac_address",
  "uboot_extra_error_message",
  "uboot_needs_interrupt",
] as const;

/** available_architectures of LAVA's qemu device-type template (the common ones). */
export const LAVA_QEMU_ARCHES = [
  "arm64",
  "arm",
  "aarch64",
  "amd64",
  "x86_64",
  "i386",
  "riscv64",
  "ppc64",
  "mips",
] as const;

const positive = z.number().int().min(1);

/** One unit only: {minutes: 5} or {seconds: 90}; `skip` lets a job go on after this timeout. */
export const lavaTimeout = z.union([
  z.strictObject({ days: positive, skip: z.boolean().optional() }),
  z.strictObject({ hours: positive, skip: z.boolean().optional() }),
  z.strictObject({ minutes: positive, skip: z.boolean().optional() }),
  z.strictObject({ seconds: positive, skip: z.boolean().optional() }),
]);
export type LavaTimeout = z.infer<typeof lavaTimeout>;

export function timeoutSeconds(t: LavaTimeout): number {
  if ("days" in t) return t.days * 86400;
  if ("hours" in t) return t.hours * 3600;
  if ("minutes" in t) return t.minutes * 60;
  return t.seconds;
}

/** Keys every action may carry (lava_common.schemas.action). */
const actionBase = {
  namespace: z
    .string()
    .refine((s) => s !== "common", "'common' is reserved")
    .optional(),
  "connection-namespace": z.string().optional(),
  role: z.array(z.string()).optional(),
  timeout: lavaTimeout.optional(),
  repeat: positive.optional(),
  failure_retry: positive.optional(),
};

const nonEmpty = z.string().min(1);
const caseName = z.string().regex(/^[-_a-zA-Z0-9.]+$/, "LAVA names allow letters, digits, - _ .");

/** deploy.url() with the tmpfs extras (image_arg, format qcow2). */
const image = z.strictObject({
  url: nonEmpty,
  headers: z.record(z.string(), z.string()).optional(),
  compression: z.enum(["bz2", "gz", "xz", "zip", "zstd"]).nullable().optional(),
  archive: z.literal("tar").optional(),
  md5sum: z.string().optional(),
  sha256sum: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "sha256sum is 64 hex digits")
    .optional(),
  sha512sum: z.string().optional(),
  format: z.literal("qcow2").optional(),
  image_arg: z.string().optional(),
});

const deployTmpfs = z.strictObject({
  ...actionBase,
  to: z.literal("tmpfs"),
  images: z.record(z.string().min(1), image).refine((images) => Object.keys(images).length > 0, "'images' is empty"),
  os: z.string().optional(),
  type: z.literal("monitor").optional(),
});

const autoLogin = z.strictObject({
  login_prompt: nonEmpty,
  username: z.string(),
  password_prompt: z.string().optional(),
  password: z.string().optional(),
  login_commands: z.array(nonEmpty).optional(),
});

const bootQemu = z.strictObject({
  ...actionBase,
  method: z.literal("qemu"),
  connection: z.literal("serial").optional(),
  media: z.literal("tmpfs").optional(),
  prompts: z.union([nonEmpty, z.array(nonEmpty)]).optional(),
  auto_login: autoLogin.optional(),
  parameters: z
    .strictObject({ "kernel-start-message": z.string().optional(), "shutdown-message": z.string().optional() })
    .optional(),
  soft_reboot: z.string().optional(),
});

const interactiveStep = z.strictObject({
  command: z.string().nullable(),
  name: caseName.optional(),
  delay: z.number().int().optional(),
  wait_for_prompt: z.boolean().optional(),
  successes: z.array(z.strictObject({ message: nonEmpty })).optional(),
  failures: z
    .array(
      z.strictObject({
        message: nonEmpty,
        exception: z.enum(["InfrastructureError", "JobError", "TestError"]).optional(),
        error: nonEmpty.optional(),
      }),
    )
    .optional(),
});

const testInteractive = z.strictObject({
  ...actionBase,
  interactive: z
    .array(
      z.strictObject({
        name: caseName,
        prompts: z.array(nonEmpty).min(1),
        echo: z.literal("discard").optional(),
        script: z.array(interactiveStep).min(1),
      }),
    )
    .min(1),
});

const testMonitors = z.strictObject({
  ...actionBase,
  monitors: z
    .array(
      z.strictObject({
        name: caseName,
        start: z.string(),
        end: z.string(),
        pattern: z.string(),
        fixupdict: z.record(z.string(), z.enum(["pass", "fail", "skip", "unknown"])).optional(),
      }),
    )
    .min(1),
});

/** An action is a mapping with exactly one key: deploy, boot, test (or command). */
const action = z.union([
  z.strictObject({ deploy: deployTmpfs }),
  z.strictObject({ boot: bootQemu }),
  z.strictObject({ test: z.union([testInteractive, testMonitors]) }),
  z.strictObject({ command: z.strictObject({ ...actionBase, name: z.string() }) }),
]);
export type LavaAction = z.infer<typeof action>;

const contextValue = z.union([
  z.number().int(),
  z.string(),
  z.boolean(),
  z.array(z.union([z.number().int(), z.string()])),
]);

const job = z.strictObject({
  job_name: z.string().min(1).max(200),
  device_type: z.string().min(1).max(200),
  timeouts: z.strictObject({
    job: lavaTimeout,
    action: lavaTimeout.optional(),
    actions: z.record(z.string(), lavaTimeout).optional(),
    connection: lavaTimeout.optional(),
    connections: z.record(z.string(), lavaTimeout).optional(),
  }),
  visibility: z.union([z.enum(["public", "personal"]), z.strictObject({ group: z.array(z.string()) })]),
  priority: z.union([z.enum(["high", "medium", "low"]), z.number().int().min(0).max(100)]).optional(),
  context: z.partialRecord(z.enum(LAVA_CONTEXT_VARIABLES), contextValue).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  tags: z.array(z.string()).optional(),
  actions: z.array(action).min(1),
});

export type LavaJob = z.infer<typeof job>;

const kindOf = (a: LavaAction) => Object.keys(a)[0] as "deploy" | "boot" | "test" | "command";

const lavaJobSchema = job.superRefine((j, ctx) => {
  const jobS = timeoutSeconds(j.timeouts.job);
  const check = (t: LavaTimeout | undefined, path: (string | number)[], what: string) => {
    if (t && timeoutSeconds(t) > jobS)
      ctx.addIssue({ code: "custom", path, message: `${what} timeout is larger than job timeout` });
  };
  check(j.timeouts.action, ["timeouts", "action"], "Global");
  check(j.timeouts.connection, ["timeouts", "connection"], "Global");
  for (const [k, t] of Object.entries(j.timeouts.actions ?? {})) check(t, ["timeouts", "actions", k], "Global");
  j.actions.forEach((a, i) => {
    const kind = kindOf(a);
    check((a as Record<string, { timeout?: LavaTimeout }>)[kind]!.timeout, ["actions", i, kind, "timeout"], "Action");
  });

  const kinds = j.actions.map(kindOf);
  const firstBoot = kinds.indexOf("boot");
  const lastDeploy = kinds.lastIndexOf("deploy");
  const firstTest = kinds.indexOf("test");
  if (firstBoot < 0) ctx.addIssue({ code: "custom", path: ["actions"], message: "no boot action" });
  if (lastDeploy < 0 || lastDeploy > firstBoot)
    ctx.addIssue({ code: "custom", path: ["actions"], message: "deploy must come before boot" });
  if (firstTest >= 0 && firstTest < firstBoot)
    ctx.addIssue({ code: "custom", path: ["actions"], message: "test must come after boot" });

  if (j.actions.some((a) => "boot" in a)) {
    const arch = j.context?.arch;
    if (typeof arch !== "string")
      ctx.addIssue({
        code: "custom",
        path: ["context", "arch"],
        message: "Missing 'arch' in job context (a qemu boot needs it)",
      });
    else if (!(LAVA_QEMU_ARCHES as readonly string[]).includes(arch))
      ctx.addIssue({
        code: "custom",
        path: ["context", "arch"],
        message: `'${arch}' is not an architecture of the qemu device type`,
      });
  }

  const labels = new Set(j.actions.flatMap((a) => ("deploy" in a ? Object.keys(a.deploy.images) : [])));
  j.actions.forEach((a, i) => {
    if (!("deploy" in a)) return;
    for (const [label, img] of Object.entries(a.deploy.images))
      for (const [, ref] of (img.image_arg ?? "").matchAll(/\{([A-Za-z0-9_-]+)\}/g))
        if (!labels.has(ref!))
          ctx.addIssue({
            code: "custom",
            path: ["actions", i, "deploy", "images", label, "image_arg"],
            message: `{${ref}} names no deployed image`,
          });
  });

  const names = new Set<string>();
  j.actions.forEach((a, i) => {
    if (!("test" in a) || !("interactive" in a.test)) return;
    a.test.interactive.forEach((script, k) => {
      if (names.has(script.name))
        ctx.addIssue({
          code: "custom",
          path: ["actions", i, "test", "interactive", k, "name"],
          message: `interactive script name "${script.name}" is used twice`,
        });
      names.add(script.name);
    });
  });
});

/** Validate a parsed job; errors read "actions[2].test.timeout: ...". */
export function validateLavaJob(value: unknown): { ok: true; job: LavaJob } | { ok: false; errors: string[] } {
  const parsed = lavaJobSchema.safeParse(value);
  if (parsed.success) return { ok: true, job: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const path = issue.path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
        .join("");
      return `${path || "(job)"}: ${issue.message}`;
    }),
  };
}
