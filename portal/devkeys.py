"""Development secrets: made once under the git-ignored var/, only when DEBUG is on."""

import os
from collections.abc import Callable
from pathlib import Path


def development_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in `path`, written by `make()` on first use (mode 600).

    A development database stays usable across restarts without anyone setting a key, and
    the key never enters git. O_EXCL: when several processes start at once (the runserver
    reloader), one writes and the others read.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(make())
    return path.read_text().strip()
