import { GUEST_MARKER, guestMilestones, type KernelFlavour } from "./domain-sets.ts";
import type { FailurePattern } from "./failure-patterns.ts";
import type { Milestone } from "./schema.ts";
import { XEN_CI_PASSED } from "./xen-ci.ts";

/**
 * Networking between domains, as Xen's CI sets it up for its default dom0less job: dom0 has a
 * NIC, bridges it as xenbr0 with 192.168.0.1, and attaches a vif to the domU (`xl network-attach`:
 * xen-netback in dom0, Debian's vif-bridge hotplug script puts the vif on the bridge); the domU
 * loads xen-netfront, takes 192.168.0.2 and pings dom0. Everything comes from Debian's packages.
 */

export const BRIDGE = "xenbr0";
export const DOM0_ADDRESS = "192.168.0.1";
export const DOMU_ADDRESS = "192.168.0.2";

/**
 * dom0's NIC as Xen CI gives it (virtio-net-pci on QEMU's user-mode network). `restrict=on`: the
 * network ends inside QEMU, nothing reaches the host or beyond; `romfile=`: no option ROM to look for.
 */
export const DOM0_NIC = ["-device", "virtio-net-pci,netdev=n0,romfile=", "-netdev", "user,id=n0,restrict=on"];

const ESCAPED = (s: string) => s.replace(/\./g, "\\.");

/**
 * What dom0's toolstack initramfs needs to bridge and attach a vif to domain `domid`: the NIC's,
 * the bridge's and netback's modules, Debian's hotplug scripts (xen-utils-common) with the bash
 * and xenstore-read/-write they run, and the commands. `dom0less`: the domain was started by Xen,
 * so init-dom0less first gives it its xenstore entries (it must be `enhanced`).
 */
export function dom0Bridge(opts: { domid: number; dom0less: boolean; version?: string }) {
  const version = opts.version ? { version: opts.version } : {};
  return {
    ...(opts.dom0less ? { programs: ["init-dom0less"] } : {}),
    packages: [
      { package: "xen-utils-common", ...version, paths: ["etc/xen/scripts/*"] },
      { package: "xenstore-utils", ...version, paths: ["usr/bin/xenstore-*"] },
      { package: "bash", paths: ["bin/bash"] },
    ],
    modules: ["virtio_pci", "virtio_net", "bridge", "xen-netback"],
    commands: [
      ...(opts.dom0less ? ["init-dom0less"] : []),
      `brctl addbr ${BRIDGE}`,
      `brctl addif ${BRIDGE} eth0`,
      "ifconfig eth0 up",
      `ifconfig ${BRIDGE} ${DOM0_ADDRESS} up`,
      `echo "${BRIDGE} up: $(ip -4 -o addr show dev ${BRIDGE} | awk '{print $4}')"`,
      // The hotplug script's log says why a vif did not come up.
      `if xl network-attach ${opts.domid} type=vif; then echo "network-attach ${opts.domid}: ok"; else echo "network-attach ${opts.domid}: failed ($?)"; cat /var/log/xen/xen-hotplug.log; fi`,
      `echo "${BRIDGE} ports: $(ls /sys/class/net/${BRIDGE}/brif | tr '\\n' ' ')"`,
    ],
  };
}

/** dom0's side, in order after its init marker: the bridge up with its address, the vif attached and on the bridge. */
export function dom0BridgeMilestones(domid: number): Milestone[] {
  return [
    { id: "bridge-up", match: new RegExp(`^${BRIDGE} up: ${ESCAPED(DOM0_ADDRESS)}/24$`), within: "60s" },
    { id: "network-attach", match: `network-attach ${domid}: ok`, within: "60s" },
    { id: "vif-on-bridge", match: new RegExp(`^${BRIDGE} ports: .*\\bvif${domid}\\.0\\b`) },
  ];
}

export const dom0BridgeFailures = (domid: number): FailurePattern[] => [
  { id: "network-attach-failed", match: `network-attach ${domid}: failed` },
  { id: "libxl-error", match: /^libxl: error: / },
];

const TRIES = 60;

/**
 * A domU's /init lines after its marker: take DOMU_ADDRESS on eth0 (it appears once dom0 attaches
 * the vif) and, once netfront has a carrier (its backend connected, the vif on the bridge), ping
 * dom0 until it answers, then print `passed`, as Xen CI's domU_check does. While it waits it says
 * so every few tries (the domU's stream stays alive while dom0 is slow); after TRIES tries it says
 * it failed (CI's loop never ends: its timeout does).
 */
export function pingDom0Lines(passed: string): string[] {
  return [
    GUEST_MARKER,
    "n=0",
    `until ifconfig eth0 ${DOMU_ADDRESS} up 2>/dev/null && [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && ping -c 3 -w 5 ${DOM0_ADDRESS}; do`,
    `  n=$((n + 1)); [ $n -ge ${TRIES} ] && break`,
    `  [ $((n % 5)) -eq 0 ] && echo "no answer from ${DOM0_ADDRESS} yet (try $n)"`,
    "  sleep 2",
    "done",
    `if [ $n -lt ${TRIES} ]; then echo ${JSON.stringify(passed)}; else echo "ping test failed: no answer from ${DOM0_ADDRESS} in ${TRIES} tries"; fi`,
  ];
}

/** The domU's side: its Linux, netfront loaded, its marker, a reply from dom0, Xen CI's pass line, its shell. */
export function pingDom0Milestones(arch: KernelFlavour, passed: string): Milestone[] {
  const [banner, init, up, shell] = guestMilestones(arch);
  return [
    banner!,
    init!,
    { id: "netfront-loaded", match: "Initialising Xen virtual ethernet driver" },
    up!,
    { id: "ping-reply", match: new RegExp(`^64 bytes from ${ESCAPED(DOM0_ADDRESS)}: seq=\\d+ ttl=64`), within: "150s" },
    { id: XEN_CI_PASSED, match: passed, description: `Xen CI's PASSED "${passed}"` },
    shell!,
  ];
}

export const pingDom0Failures: FailurePattern[] = [{ id: "ping-failed", match: "ping test failed" }];
