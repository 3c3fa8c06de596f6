"""The data directory and what it holds are readable by Linli's own account only.

The SQLite databases hold the registry and the task queue, and the key files unlock the
encrypted fields: another account on the machine must not read them. At every start the data
directory is made 0700 and every file in it 0600 (directories 0700); the SQLite files are
created 0600 before SQLite opens them (its -wal and -shm files take the database's mode).
Anything that had to be tightened is reported, since it was readable until now.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("linli.files")
DIR_MODE = 0o700
FILE_MODE = 0o600
OTHERS = stat.S_IRWXG | stat.S_IRWXO


def _ours(info: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


def _tighten(path: Path, info: os.stat_result, mode: int, changed: list[str], root: Path) -> None:
    if not info.st_mode & OTHERS or not _ours(info):
        return
    os.chmod(path, mode)
    name = str(path.relative_to(root)) if path != root and path.is_relative_to(root) else str(path)
    changed.append(f"{name} ({stat.S_IMODE(info.st_mode):04o} → {mode:04o})")


KEY_NAMES = {"secret_key", "data_keys.json", "demo_password"}


def _sensitive(item: str, databases: Iterable[Path], root: Path) -> bool:
    name = item.rsplit(" (", 1)[0]
    db_names = {str(Path(p).resolve().relative_to(root.resolve())) for p in databases
                if Path(p).resolve().is_relative_to(root.resolve())}
    base = name.removesuffix("-wal").removesuffix("-shm").removesuffix("-journal")
    return base in db_names or Path(name).name in KEY_NAMES or name.endswith(".key")


def create_private_file(path: Path) -> None:
    """An empty file, 0600, unless it exists (an empty file is an empty SQLite database)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def make_data_dir(data_dir: Path) -> os.stat_result:
    """Create ``data_dir`` 0700 if it is missing. Refuses a shared directory such as /tmp:
    Linli needs one of its own."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as exc:
        raise ImproperlyConfigured(f"LINLI_DATA_DIR {data_dir} cannot be created: {exc}") from exc
    info = data_dir.stat()
    if info.st_mode & stat.S_ISVTX or info.st_mode & stat.S_IWOTH:
        raise ImproperlyConfigured(
            f"LINLI_DATA_DIR {data_dir} is a shared directory (anyone may write in it): give Linli a directory "
            f"of its own. / 数据目录 {data_dir} 是共享目录（任何人可写），请为邻里单独建一个目录。")
    return info


def secure_data_dir(data_dir: Path, *, files: Iterable[Path] = (), skip: Iterable[Path] = ()) -> list[str]:
    """Create ``data_dir`` 0700 (or tighten it), create ``files`` (the SQLite databases) 0600,
    and tighten every file and directory below it that others could read, except ``skip``
    (the collected static files, which are public). Returns what others could read until
    now: everything tightened when the data directory itself was open, else only databases
    kept outside it (inside a private directory a loose file was out of others' reach)."""
    info = make_data_dir(data_dir)
    if os.name != "posix":
        return []
    exposed: list[str] = []
    _tighten(data_dir, info, DIR_MODE, exposed, data_dir)
    inside: list[str] = []
    for path in files:
        create_private_file(path)
    skipped = {Path(p).resolve() for p in skip}
    for current, dirs, names in os.walk(data_dir):
        base = Path(current)
        dirs[:] = [d for d in dirs if (base / d).resolve() not in skipped]
        for name in dirs:
            entry = base / name
            _tighten(entry, entry.lstat(), DIR_MODE, inside, data_dir)
        for name in names:
            entry = base / name
            entry_info = entry.lstat()
            if stat.S_ISREG(entry_info.st_mode):
                _tighten(entry, entry_info, FILE_MODE, inside, data_dir)
    # Inside a private data directory a loose file was out of others' reach, but a loose
    # database or key means something changed its mode: worth saying too.
    exposed += inside if exposed else [item for item in inside if _sensitive(item, files, data_dir)]
    for path in files:  # databases kept outside the data directory (DATABASE_URL=sqlite:///…)
        if not path.resolve().is_relative_to(data_dir.resolve()):
            _tighten(path, path.stat(), FILE_MODE, exposed, data_dir)
    return exposed


def report_tightened(data_dir: Path, changed: list[str]) -> None:
    if changed:
        log.warning(
            "Others could read these files of the data directory %s; they are now readable by this account "
            "only: %s. / 数据目录 %s 中以下文件原先他人可读，现已仅限本账户读写：%s。",
            data_dir, ", ".join(changed), data_dir, ", ".join(changed))
