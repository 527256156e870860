"""The narrator's voice for each step: a recording of your own (`<Scene>.<n>.wav` in a folder, n
counting a scene's steps from 1) or a draft spoken by espeak-ng (offline, a Debian package).

>>> from pathlib import Path
>>> draft = speak("A different digit lights up a different pattern.", Path("draft.wav"))
>>> 1 < wav_seconds(draft) < 6  # seconds
True
>>> Path("my-takes").mkdir(exist_ok=True)
>>> take = draft.replace(Path("my-takes") / recording_name("ForwardPass", 2))  # your take of step 2
>>> recording("ForwardPass", 2, "Another digit", voice="my-takes")
PosixPath('my-takes/ForwardPass.2.wav')
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

from network.errors import NNExplainError

__all__ = ["TTS", "recording", "recording_name", "silence", "speak", "tts_version", "wav_seconds"]

TTS = "tts"  # --voice tts: speak the narration with espeak-ng
ESPEAK_WORDS_PER_MINUTE = 165


def recording_name(scene: str, number: int) -> str:
    """The file name of a scene's `number`-th step's recording (from 1)."""
    return f"{scene}.{number}.wav"


def recording(scene: str, number: int, title: str, voice: str) -> Path:
    """The recording for step `number` of `scene` in the folder `voice`; one clear error if it is
    missing or is not a WAV file that can be read."""
    path = Path(voice) / recording_name(scene, number)
    if not path.is_file():
        raise NNExplainError(f"no recording for {scene} step {number} ({title!r}): {path} is missing")
    wav_seconds(path, f"the recording for {scene} step {number} ({title!r})")
    return path


def wav_seconds(path: Path, what: str = "") -> float:
    """The length of a WAV file in seconds."""
    try:
        with wave.open(str(path)) as audio:
            return audio.getnframes() / audio.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise NNExplainError(
            f"cannot read {what or path}: {path} is not a readable WAV file ({exc})"
        ) from None


def speak(text: str, path: Path) -> Path:
    """`text` spoken by espeak-ng into the WAV file `path`."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise NNExplainError("--voice tts needs espeak-ng: apt-get install espeak-ng")
    subprocess.run([espeak, "-s", str(ESPEAK_WORDS_PER_MINUTE), "-w", str(path), text], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True)  # fmt: skip
    return path


def tts_version() -> str:
    """espeak-ng's version line (part of the render cache key), or '' without espeak-ng."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return ""
    return subprocess.run([espeak, "--version"], capture_output=True, text=True).stdout.strip()


def silence(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A silent mono WAV file of `seconds`."""
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(2 * round(seconds * rate)))
    return path
