#!/usr/bin/python3
"""Render the LAVA device configuration for a job, as a LAVA server does, without a LAVA server.

    python3 harness/export/lava-device.py job.yaml > device.yaml
    lava-run --device device.yaml --job-id 1 --output-dir out job.yaml

The qemu device type comes from the lava-server Debian package (its templates under
/usr/share/lava-server/device-types/): the .deb is fetched with `apt-get download` and unpacked
with `dpkg-deb -x` into the cache ($XDG_CACHE_HOME/bootlog/lava-server/<version>), never
installed (no database, no services). An installed lava-server's templates are used when present.

The device dictionary is `{% extends 'qemu.jinja2' %}`; it is rendered by a sandboxed Jinja2
environment (autoescape off, trim_blocks on) with the job's `context` as variables, which is
what lava_scheduler_app does when it hands a job to a worker.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import jinja2.sandbox
import yaml

INSTALLED = "/usr/share/lava-server/device-types"
DEVICE_DICT = "{% extends 'qemu.jinja2' %}\n{% set mac_addr = '52:54:00:12:34:59' %}\n"


def candidate_version() -> str:
    out = subprocess.run(["apt-cache", "policy", "lava-server"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("Candidate:"):
            version = line.split(":", 1)[1].strip()
            if version and version != "(none)":
                return version
    raise SystemExit("lava-device: apt knows no lava-server package (run apt-get update)")


def device_types_dir() -> str:
    if os.path.isfile(os.path.join(INSTALLED, "qemu.jinja2")):
        return INSTALLED
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    version = candidate_version()
    root = os.path.join(cache, "bootlog", "lava-server", version.replace(":", "_"))
    types = os.path.join(root, "usr", "share", "lava-server", "device-types")
    if os.path.isfile(os.path.join(types, "qemu.jinja2")):
        return types
    os.makedirs(os.path.dirname(root), exist_ok=True)
    # Unpack next to the final place and rename: a concurrent run sees all of it or nothing.
    with tempfile.TemporaryDirectory(dir=os.path.dirname(root)) as tmp:
        os.chmod(tmp, 0o755)  # apt downloads as _apt
        subprocess.run(["apt-get", "download", "-q", f"lava-server={version}"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        deb = next(f for f in os.listdir(tmp) if f.endswith(".deb"))
        unpacked = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, deb), unpacked], check=True)
        try:
            os.rename(unpacked, root)
        except OSError:
            if not os.path.isfile(os.path.join(types, "qemu.jinja2")):
                raise
    return types


def render(context: dict, types: str) -> str:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"device.jinja2": DEVICE_DICT}), jinja2.FileSystemLoader(types)]),
        autoescape=False,
        trim_blocks=True,
    )
    return env.get_template("device.jinja2").render(**context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("job", help="LAVA job definition (YAML) whose context configures the device")
    parser.add_argument("--out", help="write the device configuration here (default: stdout)")
    parser.add_argument("--print-templates", action="store_true", help="print the device-types directory and exit")
    args = parser.parse_args()
    types = device_types_dir()
    if args.print_templates:
        print(types)
        return
    with open(args.job, encoding="utf-8") as f:
        job = yaml.safe_load(f)
    if not isinstance(job, dict):
        raise SystemExit(f"lava-device: {args.job}: not a LAVA job (a YAML mapping)")
    context = job.get("context") or {}
    if not isinstance(context, dict):
        raise SystemExit(f"lava-device: {args.job}: context: not a mapping")
    device = render(context, types)
    yaml.safe_load(device)  # what lava-run will read must be YAML
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(device)
    else:
        sys.stdout.write(device)


if __name__ == "__main__":
    main()
