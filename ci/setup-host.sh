#!/usr/bin/env bash
# Install the host packages bootlog needs (idempotent; safe to re-run).
# Guest packages (Xen, Linux, busybox for arm64) are never installed: bootlog
# downloads and unpacks them itself, but apt must know the arm64 architecture.
set -euo pipefail

# lava-dispatcher (with lava-common): LAVA's own `lava-run`, which the tests run every exported job in.
# libsurefire-java + a JDK: tests read repeated-boot JUnit with Maven Surefire's own report parser.
# gcc-aarch64-linux-gnu … dpkg-dev: building Xen's hypervisor from source (xenFromSource: Debian's source
# package, unpacked by dpkg-source, or the user's tree; Kconfig needs flex and bison, the build python3).
packages=(qemu-system-arm qemu-system-x86 device-tree-compiler cpio busybox-static
          u-boot-qemu binutils ca-certificates chromium lava-dispatcher openjdk-17-jdk-headless libsurefire-java
          gcc gcc-aarch64-linux-gnu make flex bison python3 dpkg-dev xz-utils git)

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/setup-host.sh: run as root (apt-get install)" >&2
  exit 1
fi

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  need_update=1
fi

# Source packages (apt-get source): a deb-src entry for the archive the machine already uses, the way
# sources.list(5) documents it: "deb-src" added to the Types of each Debian deb822 stanza
# (debian.sources), or a deb-src twin of each one-line "deb" entry in sources.list.
deb822=/etc/apt/sources.list.d/debian.sources
if [ -f "$deb822" ] && grep -qx 'Types: deb' "$deb822"; then
  sed -i 's/^Types: deb$/Types: deb deb-src/' "$deb822"
  need_update=1
elif [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list && ! grep -q '^deb-src ' /etc/apt/sources.list; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >> /etc/apt/sources.list
  need_update=1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# apt-get download needs package lists that include arm64
if [ "$need_update" = 1 ] || [ ${#missing[@]} -gt 0 ] || \
   ! apt-cache show xen-hypervisor-4.17-arm64:arm64 >/dev/null 2>&1 || ! apt-cache showsrc xen 2>/dev/null | grep -q "^Package: xen$"; then
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
