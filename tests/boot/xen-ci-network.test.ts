import { streamBootSuite } from "../helpers/stream-boots.ts";

// Xen CI's qemu-smoke-dom0less-arm64-gcc(-debug), booted once: dom0 bridges its NIC and attaches a
// vif to the dom0less domU (init-dom0less, xl network-attach, Debian's vif-bridge script, netback),
// and the domU (netfront) pings dom0. Xen runs with CI's console_timestamps=boot, so the domU's
// lines carry Xen's time before their prefix.
await streamBootSuite("xen-ci-qemu-smoke-dom0less-arm64", [
  "=> booti 0x49000000",
  "network-attach 1: ok",
  "DOM1: 64 bytes from 192.168.0.1: seq=",
  "DOM1: ping test passed",
]);
