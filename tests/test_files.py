import os
import stat

import pytest

from marionnette.files import atomic_open, atomic_path, atomic_write_text, current_umask


def test_atomic_open_keeps_the_old_file_when_the_write_fails(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write(b"half of the ne")
            raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    with atomic_open(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"


@pytest.fixture
def umask():
    """Set the process's umask for one test, and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_honour_the_umask_as_open_does(tmp_path, umask, mask, mode):
    umask(mask)
    assert current_umask() == mask
    atomic_write_text(tmp_path / "config.yaml", "algo: td\n")
    with atomic_path(tmp_path / "step_1.zip") as tmp:  # a library that writes to a path itself
        tmp.write_bytes(b"PK")
    with open(tmp_path / "opened.txt", "w") as f:  # what open() does, for comparison
        f.write("x")
    for name in ("config.yaml", "step_1.zip", "opened.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
