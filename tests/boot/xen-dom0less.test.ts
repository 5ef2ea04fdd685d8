import { streamBootSuite } from "../helpers/stream-boots.ts";

// dom0less on arm64: domUs started by Xen from the device tree print through Xen, prefixed
// "(XEN) DOMn: ", interleaved with dom0's lines (or with each other, without dom0).
await streamBootSuite("arm64-xen-dom0less", ["(XEN) DOM1: guest up: 6.1.0-", "dom0 init: 6.1.0-"]);
await streamBootSuite("arm64-xen-true-dom0less", ["(XEN) DOM1: guest up: 6.1.0-", "(XEN) DOM2: guest up: 6.1.0-"]);
