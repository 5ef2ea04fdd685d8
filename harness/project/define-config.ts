import type { BootlogConfig } from "./config.ts";

/** Identity with types, for bootlog.config.ts; validated when the CLI loads it (errors name the file and the field). */
export function defineConfig(config: BootlogConfig): BootlogConfig {
  return config;
}
