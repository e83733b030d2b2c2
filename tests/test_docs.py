"""README and docs link only to files inside the repository, and those files exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_stay_inside_the_repository(doc):
    text = doc.read_text()
    assert "../" not in text, f"{doc.name} points outside the repository"
    assert not re.search(r"https?://", text), f"{doc.name} links outside the repository"
    for target in LINK.findall(text):
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"{doc.name}: {target} is not a file of the repository"


def test_architecture_names_every_package():
    """docs/ARCHITECTURE.md places every package of marionnette (it must match the code)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    packages = [p.name for p in (ROOT / "marionnette").iterdir() if (p / "__init__.py").is_file()]
    missing = [p for p in packages if not re.search(rf"\b{p}\b", text)]
    assert not missing, f"docs/ARCHITECTURE.md does not mention {missing}"
