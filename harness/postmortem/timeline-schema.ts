import * as z from "zod";

/** The post-mortem as timeline.json keeps it (the PostMortem without its log tails), checked when read back. */
export const postMortemTimelineSchema = z.object({
  missing: z.string().optional(),
  vcpus: z.array(
    z.object({
      index: z.number(),
      level: z.string(),
      pc: z.string(),
      halted: z.boolean().optional(),
      owner: z.string(),
      text: z.string(),
    }),
  ),
  ram: z
    .object({
      how: z.string(),
      fileBytes: z.number(),
      dataBytes: z.number(),
      scanMs: z.number(),
      pmemsaveMs: z.number().optional(),
      keptAt: z.string().optional(),
    })
    .optional(),
  xen: z.object({ lines: z.number(), wrapped: z.boolean(), address: z.string() }).optional(),
  linux: z.object({ records: z.number(), lengths: z.enum(["printk_info", "nul"]), address: z.string() }).optional(),
  telling: z.array(z.object({ source: z.enum(["xen", "linux", "console"]), line: z.string() })),
  liveKeys: z.object({ sent: z.string(), answered: z.boolean(), ms: z.number(), lines: z.number() }).optional(),
  files: z.array(z.string()),
  ms: z.number(),
  liveMs: z.number().optional(),
});
