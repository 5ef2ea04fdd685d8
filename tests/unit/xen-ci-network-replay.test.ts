/**
 * Xen CI's qemu-smoke-dom0less-arm64 expectation judged on the console of a real boot (recorded
 * by bootlog: tests/fixtures/README.md), replayed line by line through the runner's own judge:
 * the recorded pass passes, and the ways the networking goes wrong that the expectation exists
 * to catch do not: a failed attach, a domU that gives up pinging, a pass line with no reply
 * before it, and the pass line printed by the wrong domain.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { EXPECTATIONS_DIR, loadExpectationFile } from "../../harness/expectations/loader.ts";
import type { SendContext } from "../../harness/expectations/schema.ts";
import { matcherFor } from "../../harness/milestones/matcher-for.ts";
import { FIXTURES_DIR, replay, type Chunk } from "../helpers/replay.ts";

const exp = await loadExpectationFile(join(EXPECTATIONS_DIR, "xen-ci/qemu-smoke-dom0less-arm64.ts"));
const recorded = gunzipSync(readFileSync(join(FIXTURES_DIR, "xen-ci-dom0less-arm64-network.serial.log.gz"))).toString(
  "utf8",
);

// Where the recorded boot's U-Boot found each image (the typed fdt commands read these).
const image = (addr: string, sizeHex: string) => ({ path: "/x", size: parseInt(sizeHex, 16), sizeHex, addr });
const context: SendContext = {
  xen: image("0x49000000", "1"),
  kernel: image("0x50000000", "1"),
  initrd: image("0x54000000", "40a57e"),
  "guest-initrd": image("0x58000000", "fe318"),
};

/** The log one line a chunk, 20 ms apart (the recording kept bytes, not read times). */
function lines(text: string): Chunk[] {
  return text.split(/(?<=\n)/).map((line, i) => ({ t: Math.round(i * 20) / 1000, bytes: Buffer.from(line, "utf8") }));
}

function judge(text: string) {
  const clock = { milestones: [], failOn: [], silenceS: exp.silenceS, budgetS: exp.budgetS };
  return replay(clock, lines(text), { matcher: matcherFor(exp, context), context });
}

/** The recording with every line that `drop` matches left out and `edits` applied (each must apply). */
function edited(edits: [string | RegExp, string][], drop?: RegExp): string {
  let text = recorded;
  if (drop)
    text = text
      .split(/(?<=\n)/)
      .filter((l) => !drop.test(l))
      .join("");
  for (const [from, to] of edits) {
    expect(text, `the recording holds ${String(from)}`).toMatch(from);
    text = text.replace(from, to);
  }
  return text;
}

describe("xen-ci-qemu-smoke-dom0less-arm64 on a recorded console", () => {
  test("the real boot passes: dom0 bridges and attaches, the domU gets replies from dom0, then CI's pass line", () => {
    const { verdict, records } = judge(recorded);
    expect(verdict.outcome, JSON.stringify(verdict)).toBe("pass");
    const at = (id: string) => records.find((r) => r.id === id)?.at;
    expect(at("d1/ping-reply")).toBeLessThan(at("d1/xen-ci-passed")!);
    expect(at("dom0/bridge-up")).toBeLessThan(at("dom0/network-attach")!);
    // With CI's console_timestamps=boot the domU's lines still went to d1, the time taken off.
    expect(records.find((r) => r.id === "d1/xen-ci-passed")?.line).toBe("ping test passed");
  });

  test("a failed network-attach fails the boot on dom0's line, naming it", () => {
    const { verdict } = judge(edited([["network-attach 1: ok", "network-attach 1: failed (1)"]]));
    expect(verdict.outcome).toBe("fail");
    expect(verdict.cause).toMatchObject({
      kind: "failure-pattern",
      pattern: expect.stringMatching(/^network-attach-failed /),
    });
    expect(verdict.after).toBe("dom0/bridge-up");
  });

  test("a domU that gives up pinging fails on its own line", () => {
    const { verdict } = judge(
      edited(
        [["DOM1: ping test passed", "DOM1: ping test failed: no answer from 192.168.0.1 in 60 tries"]],
        /DOM1: 64 bytes from/,
      ),
    );
    expect(verdict.outcome).toBe("fail");
    expect(verdict.cause).toMatchObject({ kind: "failure-pattern", pattern: expect.stringMatching(/^ping-failed /) });
    expect(verdict.stream?.name).toBe("d1");
  });

  test("CI's pass line without a reply from dom0 before it is no pass", () => {
    const { verdict, records } = judge(edited([], /DOM1: 64 bytes from/));
    expect(verdict.outcome).not.toBe("pass");
    expect(records.find((r) => r.id === "d1/xen-ci-passed")?.at).toBeUndefined();
  });

  test("the pass line from dom0's console instead of the domU's is no pass", () => {
    const { verdict } = judge(edited([[/\(XEN\) \[ *[\d.]+\] DOM1: ping test passed/, "ping test passed"]]));
    expect(verdict.outcome).not.toBe("pass");
    expect(verdict.pending ?? verdict.after).toMatch(/^d1\//);
  });
});
