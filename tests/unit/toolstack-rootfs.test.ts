/**
 * The toolstack dom0's rootfs (issue 23): xl takes /var/lock/xl before it balloons dom0 down, so
 * without dom0_mem a rootfs with no /var/lock failed `xl create` ("cannot open the lockfile
 * /var/lock/xl errno=2"). The real initramfs builder, on the host's busybox; the boot itself is
 * tests/boot/xen-toolstack-no-dom0-mem.test.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, expect, test } from "vitest";
import { buildToolstackInitramfs, toolstackInitScript } from "../../harness/images/toolstack.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-toolstack-rootfs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the dom0 initramfs has /var/lock, and /init makes it too", async () => {
  const script = toolstackInitScript("amd64", []);
  const out = join(dir, "initrd.gz");
  await buildToolstackInitramfs("/bin/busybox", script, new Map(), join(dir, "work"), out);
  const listing = execFileSync("cpio", ["-t", "--quiet"], { input: gunzipSync(readFileSync(out)) })
    .toString()
    .split("\n");
  expect(listing).toContain("var/lock");
  expect(script).toMatch(/^mkdir -p .*\/var\/lock( |$)/m);
});
