import { streamBootSuite } from "../helpers/stream-boots.ts";

// Xen's CI proof with Debian's toolstack: Domain-0 in `xl list`, then a guest created with
// `xl create` and followed to its shell as a second stream (dom0 echoes its console "[guest] ").
await streamBootSuite("arm64-xen-toolstack", ["[guest] guest up: 6.1.0-"]);
await streamBootSuite("x86_64-xen-toolstack", ["[guest] guest up: 6.1.0-"]);
