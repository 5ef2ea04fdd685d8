#!/usr/bin/env bash
# Install the host packages bootlog's own suite needs (idempotent; safe to re-run), as root.
# It runs before `npm ci` on a fresh machine: harness/host/setup-host.mjs is plain JavaScript
# (`bootlog setup-host` in a user's project works out the same from its expectations).
# Guest packages (Xen, Linux, busybox for arm64 and armhf) are never installed: bootlog downloads and
# unpacks them itself, but apt must know those architectures.
#   QEMU for arm64, arm32 and x86_64, U-Boot: bootlog's expectations boot both, one through U-Boot.
#   chromium: the HTML report test. lava-dispatcher: the tests run every exported LAVA job in lava-run.
#   a JDK + libsurefire-java: tests read repeated-boot JUnit with Maven Surefire's own report parser.
#   --xen-source: a deb-src entry and the cross compiler, for the expectations that build Xen (xenFromSource).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/setup-host.sh: run as root (apt-get install)" >&2
  exit 1
fi

exec node harness/host/setup-host.mjs --arch aarch64 --arch arm --arch x86_64 --u-boot --chromium --lava --jdk --xen-source \
  --package libsurefire-java --package busybox-static
