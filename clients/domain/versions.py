"""Link versions compared as versions, not as text: 4.10 is after 4.9.

A version is read as its dotted numbers ("4.10.2" → (4, 10, 2)); missing parts count as 0
("4.10" == "4.10.0"); anything after the numbers ("4.10.2-beta", "v4.10") is ignored. A text
with no number at all ("", "desconhecida") has no version and is never "older" than another.
"""

import re

_NUMBERS = re.compile(r"\d+(?:\.\d+)*")
PARTS = 4  # "1.2.3.4" at most; further parts are ignored


def version_key(text: str) -> tuple[int, ...] | None:
    """A tuple that sorts as the version does, or None when `text` holds no version."""
    match = _NUMBERS.search(text or "")
    if match is None:
        return None
    numbers = [int(part) for part in match.group().split(".")[:PARTS]]
    return tuple(numbers + [0] * (PARTS - len(numbers)))


def is_older(version: str, than: str) -> bool:
    """True when `version` is a version before `than` (both must be versions)."""
    key, reference = version_key(version), version_key(than)
    return key is not None and reference is not None and key < reference


def older_versions(versions, than: str) -> list[str]:
    """Those of `versions` (texts as stored) that are before `than`."""
    return sorted({version for version in versions if is_older(version, than)})
