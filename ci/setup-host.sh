#!/usr/bin/env bash
# Install the host packages bootlog needs (idempotent; safe to re-run).
# Guest packages (Xen, Linux, busybox for arm64 and armhf) are never installed: bootlog
# downloads and unpacks them itself, but apt must know those architectures.
set -euo pipefail

# lava-dispatcher (with lava-common): LAVA's own `lava-run`, which the tests run every exported job in.
# libsurefire-java + a JDK: tests read repeated-boot JUnit with Maven Surefire's own report parser.
packages=(qemu-system-arm qemu-system-x86 device-tree-compiler cpio busybox-static
          u-boot-qemu binutils ca-certificates chromium lava-dispatcher openjdk-17-jdk-headless libsurefire-java)

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/setup-host.sh: run as root (apt-get install)" >&2
  exit 1
fi

need_update=0
# arm64 and armhf guests (arm32 Xen, kernel, busybox and toolstack come from Debian's armhf packages).
for arch in arm64 armhf; do
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    dpkg --add-architecture "$arch"
    need_update=1
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# apt-get download needs package lists that include arm64
if [ "$need_update" = 1 ] || [ ${#missing[@]} -gt 0 ] || \
   ! apt-cache show xen-hypervisor-4.17-arm64:arm64 >/dev/null 2>&1 || \
   ! apt-cache show xen-hypervisor-4.17-armhf:armhf >/dev/null 2>&1; then
  apt-get update -q
fi

if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # bootlog only runs lava-run; the worker service would look for a LAVA server that is not there.
  if [[ " ${missing[*]} " == *" lava-dispatcher "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now lava-worker.service || true
  fi
fi
echo "setup-host: ok (${#missing[@]} packages installed)"
