"""Vendored browser libraries: check them (default) or fetch them again from npm (--fetch).

The console's pages load no CDN: the files listed in webhooks/console/static/vendor/npm.json
are committed, copied unchanged from npm packages. ``--check`` (run by the tests) compares
each committed file with the checksum recorded there, so nobody edits one by hand.
``--fetch`` (``make vendor``: needs npm and the registry) runs ``npm pack NAME@VERSION``,
checks the tarball against the recorded npm integrity, and copies the files; with
``--record`` it writes the new checksums after a version bump (review the diff).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "webhooks" / "console" / "static" / "vendor"
MANIFEST = VENDOR_DIR / "npm.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def check(manifest: dict) -> list[str]:
    """Problems with the committed files (empty: all match the manifest)."""
    problems = []
    for package in manifest["packages"]:
        for item in package["files"]:
            path = VENDOR_DIR / item["to"]
            if not path.exists():
                problems.append(f"{item['to']}: missing (make vendor)")
            elif sha256(path) != item["sha256"]:
                problems.append(
                    f"{item['to']}: differs from {package['name']}@{package['version']} "
                    "as recorded (edited by hand? run make vendor)"
                )
    return problems


def _integrity(tarball: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def fetch(manifest: dict, record: bool) -> list[str]:
    problems = []
    for package in manifest["packages"]:
        spec = f"{package['name']}@{package['version']}"
        with tempfile.TemporaryDirectory() as work:
            out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=work, check=True,
                                 capture_output=True, text=True).stdout.split()  # fmt: skip
            tarball = Path(work) / out[-1]
            if _integrity(tarball) != package["integrity"]:
                if not record:
                    problems.append(f"{spec}: the registry's tarball is not the recorded one")
                    continue
                package["integrity"] = _integrity(tarball)
            with tarfile.open(tarball) as archive:
                archive.extractall(work, filter="data")
            for item in package["files"]:
                source, target = Path(work) / item["from"], VENDOR_DIR / item["to"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                if record:
                    item["sha256"] = sha256(target)
                print(f"{spec}: {item['from']} -> {item['to']} ({target.stat().st_size} bytes)")
    if record:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return problems + check(manifest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetch", action="store_true", help="copy the files again from npm")
    parser.add_argument("--record", action="store_true", help="with --fetch: record new checksums")
    args = parser.parse_args()
    manifest = load_manifest()
    problems = fetch(manifest, args.record) if args.fetch else check(manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("vendored files match webhooks/console/static/vendor/npm.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
