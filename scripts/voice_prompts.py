"""Generate placeholder audio for the hotline's prompts with espeak-ng, and list which prompts
are recorded, placeholders or missing (`make voice-prompts`).

Recorded prompts are the NGO's files in data/voice/<form>/<prompt>.wav (or .mp3), committed.
Placeholders go to var/voice-prompts/<form>/ (not committed), generated with espeak-ng, a Debian
package with a Nepali voice: nothing is fetched. A placeholder whose script changed is made
again (the script's hash is kept next to it); a recorded prompt is never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from webhooks.voice import prompts

ESPEAK_VOICES = {"ne": "ne", "en": "en-gb"}
Synthesise = Callable[[str, str, Path], None]


def espeak(text: str, form: str, target: Path) -> None:
    subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICES.get(form, "en-gb"), "-s", "140", "-w", str(target), text],
        check=True,
        capture_output=True,
    )


def status(key: str, form: str) -> str:
    """ "recorded", "placeholder" or "missing" (then Twilio's <Say> reads the script)."""
    found = prompts.audio_path(key, form)
    if found is None:
        return "missing"
    return "recorded" if Path(found[0]) == Path(prompts.PROMPTS_DIR, form) else "placeholder"


def _script_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def generate(synthesise: Synthesise) -> list[str]:
    """Make missing and outdated placeholders; returns the files written."""
    written = []
    for form in prompts.forms():
        directory = Path(prompts.PLACEHOLDER_DIR, form)
        directory.mkdir(parents=True, exist_ok=True)
        hashes_path = directory / "scripts.json"
        hashes = json.loads(hashes_path.read_text()) if hashes_path.exists() else {}
        for key in prompts.load()["prompts"]:
            text = prompts.script(key, form)
            state = status(key, form)
            if state == "recorded" or (
                state == "placeholder" and hashes.get(key) == _script_hash(text)
            ):
                continue
            target = directory / f"{key}.wav"
            synthesise(text, form, target)
            hashes[key] = _script_hash(text)
            written.append(f"{form}/{target.name}")
        hashes_path.write_text(json.dumps(hashes, indent=1, sort_keys=True))
    return written


def listing() -> list[tuple[str, str, str]]:
    return [(key, form, status(key, form)) for key in prompts.load()["prompts"]
            for form in prompts.forms()]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only list, generate nothing")
    args = parser.parse_args(argv)
    if not args.list:
        if shutil.which("espeak-ng") is None:
            print("espeak-ng is not installed (apt-get install espeak-ng): nothing generated")
        else:
            for name in generate(espeak):
                print(f"generated placeholder {name}")
    rows = listing()
    for key, form, state in rows:
        print(f"{key:20} {form:4} {state}")
    not_recorded = sum(1 for row in rows if row[2] != "recorded")
    print(f"{not_recorded} of {len(rows)} prompts are not recorded yet (README, Voice)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
