import { expect, test } from "vitest";
import { defaultLanes } from "../../harness/runner/lanes.ts";

test("default lanes: twice cores / the widest machine's vCPUs, never more than cores, at least one", () => {
  expect(defaultLanes([2], 2)).toBe(2); // the measured case: 2-vCPU machines on 2 cores
  expect(defaultLanes([1, 2], 2)).toBe(2);
  expect(defaultLanes([1], 2)).toBe(2); // not 4: no more lanes than cores
  expect(defaultLanes([4], 2)).toBe(1);
  expect(defaultLanes([2], 1)).toBe(1);
  expect(defaultLanes([2], 8)).toBe(8);
  expect(defaultLanes([], 2)).toBe(2);
});
