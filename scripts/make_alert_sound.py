"""Write the console's alert chime (webhooks/console/static/alert.wav) from code.

Generated, not downloaded: two soft sine tones (A5 then E6, 0.6 s, 8 kHz mono, 8-bit) with
short fades so it does not click. Re-run after changing the tones; commit the file it writes.
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

RATE = 8000
TONES = ((880.0, 0.25), (1318.5, 0.35))  # Hz, seconds
VOLUME = 0.45
FADE = 0.02
TARGET = Path(__file__).resolve().parents[1] / "webhooks" / "console" / "static" / "alert.wav"


def samples() -> bytes:
    out = bytearray()
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        for i in range(count):
            t = i / RATE
            envelope = min(1.0, t / FADE, (seconds - t) / FADE)
            value = VOLUME * envelope * math.sin(2 * math.pi * frequency * t)
            out.append(int(128 + 127 * value))
    return bytes(out)


def main() -> None:
    with wave.open(str(TARGET), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(1)
        handle.setframerate(RATE)
        handle.writeframes(samples())
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
