/** bootlog.config.ts: what a project may set (folders, lanes, host set-up), validated when it loads. */
import * as z from "zod";

export const configSchema = z.strictObject({
  /** The expectations folder, from the project's root (default "expectations"). */
  expectations: z.string().min(1).optional(),
  /** Where run directories go, from the project's root (default "artifacts"); BOOTLOG_ARTIFACTS and --artifacts win. */
  artifacts: z.string().min(1).optional(),
  /** Boots at once (default: number of cores); --jobs wins. */
  lanes: z.number().int().positive().optional(),
  /** What `bootlog setup-host` installs besides what the expectations need. */
  hostSetup: z
    .strictObject({
      chromium: z.boolean().optional(),
      lava: z.boolean().optional(),
      jdk: z.boolean().optional(),
      /** More Debian packages, by name. */
      packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9.+-]+$/, "not a Debian package name")).optional(),
    })
    .optional(),
});

export type BootlogConfig = z.input<typeof configSchema>;
