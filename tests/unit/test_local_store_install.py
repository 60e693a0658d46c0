"""`make run` and `make test` on a bare machine: deploy/local installs Debian's PostgreSQL 15 when it is missing and
this user can (root with apt-get), else falls back to FerretDB's SQLite back end with one line saying why.

`ensure_database_store` (deploy/local/common.sh, called by `stack.sh up`) runs here with a PATH of stand-ins:
`id` says who we are, `apt-get` records its arguments and succeeds (putting an `initdb` where Debian's package puts
it) or fails, and PostgreSQL's library folder is a temporary one, empty until the stand-in "installs" into it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APT_GET = """#!/bin/bash
echo "$*" >> "{calls}"
if [[ "$*" == *install*postgresql-15* ]]; then
  {install}
fi
exit 0
"""


def stand_ins(tmp: Path, *, uid: int, apt: str | None, mongod: bool = False) -> tuple[Path, Path, Path]:
    """A bin folder (`id`, maybe `apt-get` and `mongod`, a few core tools), PostgreSQL's empty lib folder, the apt
    log."""
    bin_dir, lib, calls = tmp / "bin", tmp / "postgresql", tmp / "apt-calls"
    bin_dir.mkdir()
    lib.mkdir()
    for tool in ("ls", "dirname", "mkdir", "touch"):  # what common.sh and the stand-ins use
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "id").write_text(f"#!/bin/bash\necho {uid}\n")
    if apt == "works":
        install = f'mkdir -p "{lib}/15/bin" && touch "{lib}/15/bin/initdb"'
        (bin_dir / "apt-get").write_text(APT_GET.format(calls=calls, install=install))
    elif apt == "fails":
        (bin_dir / "apt-get").write_text(APT_GET.format(calls=calls, install="exit 100"))
    if mongod:
        (bin_dir / "mongod").write_text("#!/bin/bash\nexit 0\n")
    for tool in bin_dir.iterdir():
        if not tool.is_symlink():  # (chmod would follow a link to the real tool)
            tool.chmod(0o755)
    return bin_dir, lib, calls


def ensure(bin_dir: Path, lib: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = f'source "{ROOT}/deploy/local/common.sh"; ensure_database_store; echo "backend=${{PROFILEHUB_FERRETDB_BACKEND:-postgresql}}"'
    base = {k: v for k, v in os.environ.items() if k != "PROFILEHUB_FERRETDB_BACKEND"}
    return subprocess.run(
        ["/bin/bash", "-c", script],
        env={**base, "PATH": str(bin_dir), "PROFILEHUB_POSTGRES_LIB": str(lib), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_root_with_apt_get_installs_postgresql_15_and_keeps_the_postgresql_store(tmp_path: Path) -> None:
    bin_dir, lib, calls = stand_ins(tmp_path, uid=0, apt="works")
    done = ensure(bin_dir, lib)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "backend=postgresql"
    assert "installing Debian's postgresql-15" in done.stderr
    commands = calls.read_text().splitlines()
    assert any(c.endswith("update -qq") for c in commands) and any(
        "install -y -qq postgresql-15" in c for c in commands
    )
    assert (lib / "15" / "bin" / "initdb").exists()


@pytest.mark.parametrize(
    ("uid", "apt", "reason"),
    [
        (1000, "works", "installing it needs root and apt-get"),
        (0, None, "installing it needs root and apt-get"),
        (0, "fails", "apt-get install postgresql-15 failed"),
    ],
)
def test_without_a_way_to_install_it_falls_back_to_sqlite_in_one_line(
    tmp_path: Path, uid: int, apt: str | None, reason: str
) -> None:
    bin_dir, lib, calls = stand_ins(tmp_path, uid=uid, apt=apt)
    done = ensure(bin_dir, lib)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "backend=sqlite"
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert reason in line and "SQLite" in line and "apt-get install postgresql-15" in line
    said = [s for s in done.stderr.splitlines() if "SQLite" in s]
    assert len(said) == 1, done.stderr
    if uid != 0:
        assert not calls.exists(), "apt-get must not be tried without root"


def test_an_installed_postgresql_a_mongod_or_a_chosen_back_end_install_nothing(tmp_path: Path) -> None:
    for case, (kwargs, env) in {
        "installed": ({"uid": 0, "apt": "works"}, {}),
        "mongod": ({"uid": 0, "apt": "works", "mongod": True}, {}),
        "chosen": ({"uid": 0, "apt": "works"}, {"PROFILEHUB_FERRETDB_BACKEND": "sqlite"}),
    }.items():
        where = tmp_path / case
        where.mkdir()
        bin_dir, lib, calls = stand_ins(where, **kwargs)  # type: ignore[arg-type]
        if case == "installed":
            (lib / "15" / "bin").mkdir(parents=True)
            (lib / "15" / "bin" / "initdb").touch()
        done = ensure(bin_dir, lib, **env)
        assert done.returncode == 0, done.stderr
        assert not calls.exists(), f"{case}: apt-get was run"
        assert done.stderr == "", f"{case}: {done.stderr}"
