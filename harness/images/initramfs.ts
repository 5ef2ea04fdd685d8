import { execa } from "./run-program.ts";
import { chmod, copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { insmodLines, type KernelModule } from "./kernel-modules.ts";
import { gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";

/** /init of the busybox initramfs; the marker line proves dom0 runs under Xen ("xen: xen"). */
export function initScript(extraLines: string[] = [], modules: KernelModule[] = []): string {
  return [
    "#!/bin/busybox sh",
    // --install links into /usr/bin and /usr/sbin too: without them it prints an error per applet
    // (about 100 lines), which Xen interleaves with the other domains' lines in a dom0less boot.
    "/bin/busybox mkdir -p /usr/bin /usr/sbin",
    "/bin/busybox --install -s",
    "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev",
    'echo "dom0 init: $(uname -r) xen: $(cat /sys/hypervisor/type 2>/dev/null)"',
    ...insmodLines(modules),
    ...extraLines,
    "exec setsid cttyhack sh",
    "",
  ].join("\n");
}

/** Build a gzipped newc cpio with busybox, /init and `files` (rootfs path → host file) into `out`. */
export async function buildInitramfs(
  busybox: string,
  script: string,
  workDir: string,
  out: string,
  files: Map<string, string> = new Map(),
): Promise<void> {
  const root = join(workDir, "rootfs");
  for (const d of ["bin", "sbin", "proc", "sys", "dev"]) await mkdir(join(root, d), { recursive: true });
  await copyFile(busybox, join(root, "bin/busybox"));
  await chmod(join(root, "bin/busybox"), 0o755);
  await writeFile(join(root, "init"), script, { mode: 0o755 });
  for (const [path, file] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await copyFile(file, join(root, path));
  }
  const cpio = join(workDir, "initrd.cpio");
  // Sorted names and fixed owner give the same archive for the same inputs.
  await execa("sh", ["-c", `find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 > '${cpio}'`], { cwd: root });
  await writeFile(out, gzipSync(await readFile(cpio)));
}
