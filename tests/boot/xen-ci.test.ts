import { loadAllExpectations, selectExpectations } from "../../harness/expectations/loader.ts";
import { streamBootSuite } from "../helpers/stream-boots.ts";

// Xen's own CI jobs that Debian's packages can run (expectations/xen-ci/), each booted once.
// Those tagged "nightly" take over a minute alone and are booted by the nightly workflow
// (`bootlog run`, every expectation) rather than by every `npm test`.
const PREFIXES: Record<string, string[]> = {
  "xen-ci-qemu-smoke-dom0-arm64": ["=> booti", "[guest] guest up: 6.1.0-", "Domain-0"],
  "xen-ci-qemu-smoke-dom0less-arm64-gicv3": ["=> booti", "(XEN) DOM1: gicv3 test passed"],
  "xen-ci-qemu-smoke-dom0less-arm64-staticheap": ["xen,static-heap", "(XEN) DOM1: static-heap test passed"],
  "xen-ci-qemu-alpine-x86_64": ["[guest] guest up: 6.1.0-", "Domain-0"],
};

const all = selectExpectations(await loadAllExpectations(), [], ["xen-ci"]);
for (const exp of all.filter((e) => !e.tags.includes("nightly"))) {
  const prefixes = PREFIXES[exp.name];
  if (!prefixes) throw new Error(`tests/boot/xen-ci.test.ts: say what ${exp.name}'s console must carry`);
  await streamBootSuite(exp.name, prefixes);
}
