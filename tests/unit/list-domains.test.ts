import { bootlog } from "../helpers/cli.ts";
import { expect, test } from "vitest";

test("bootlog list shows the multi-domain boots with their tags", async () => {
  const { stdout } = await bootlog(["list", "--tag", "xen-domains"]);
  const rows = stdout
    .split("\n")
    .slice(1)
    .map((line) => line.split(/\s+/));
  expect(rows.map((r) => r[0]).sort()).toEqual([
    "arm64-xen-dom0less",
    "arm64-xen-dom0less-network",
    "arm64-xen-toolstack",
    "arm64-xen-true-dom0less",
    "x86_64-xen-toolstack",
    "x86_64-xen-toolstack-dom0-256m",
  ]);
  const tags = (name: string) =>
    rows
      .find((r) => r[0] === name)!
      .at(-1)!
      .split(",");
  expect(tags("arm64-xen-true-dom0less")).toEqual(expect.arrayContaining(["dom0less", "streams", "xen"]));
  expect(tags("x86_64-xen-toolstack")).toEqual(expect.arrayContaining(["toolstack", "streams", "amd64"]));
  expect(stdout).toMatch(/x86_64-xen-toolstack-dom0-256m\s+x86_64\s+direct\s+fail after dom0\/xl-create\s/);
});
