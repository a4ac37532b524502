"""The project is complete in itself: nothing it ships or tests names a path outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A folder beside the project, a machine's absolute path, or a document that users of the product do not have.
# Spelt in pieces so this file does not itself hold what it looks for.
SIBLING, MACHINE, BRIEFS = "../" + "shared", "/" + "work/", ("DOMAIN", "STYLE")
OUTSIDE = re.compile("|".join([re.escape(SIBLING), re.escape(MACHINE), r"/home/\w+/", *(rf"{b}\.md" for b in BRIEFS)]))


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = [ROOT / name for name in listed.decode().split("\0") if name]
    return [path for path in paths if path.is_file() and b"\0" not in path.read_bytes()[:8192]]


def test_no_tracked_file_names_a_path_outside_the_repository():
    files = tracked_text_files()
    assert len(files) > 100  # the walk saw the project, not an empty listing
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_pattern_catches_what_it_is_for():
    for line in (f'SHARED = ROOT / "{SIBLING}/fixtures"', f'Path("{MACHINE}shared/x")', f"see {BRIEFS[0]}.md"):
        assert OUTSIDE.search(line)
    assert not OUTSIDE.search("the shared hospital directory")
