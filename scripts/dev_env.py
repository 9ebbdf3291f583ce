"""Write the local env file `make run` and every README command read (default var/.env).

Created once with DEBUG=1 and a generated SECRET_KEY; each run records the PORT it serves on, so
one-shot commands build OAuth callbacks and media URLs on the same address. Lines added by hand
are kept. The environment always wins over this file (socialdist/settings.py).

Usage: python scripts/dev_env.py PATH PORT
"""

import secrets
import sys
from pathlib import Path

HEADER = (
    "# Written by `make run` for local runs only (production sets its own environment).\n"
    "# Anything set in the environment wins over this file; lines you add are kept.\n"
)


def write(path: Path, port: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        lines = path.read_text().splitlines()
    else:
        lines = [*HEADER.splitlines(), "DEBUG=1", f"SECRET_KEY={secrets.token_urlsafe(50)}"]
    lines = [line for line in lines if not line.startswith("PORT=")]
    lines.append(f"PORT={port}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.exit(__doc__.rsplit("\n\n", 1)[-1].strip())
    write(Path(sys.argv[1]), sys.argv[2])
