"""Backups a street can restore: the database, the keys that open it and the ledger's last
signed checkpoint, in one encrypted archive (decision 0021).

The archive is a tar file encrypted with age (``pyrage``) to a public key (``age1…``): the
server can write backups but not read them; the secret key that restores them is kept off the
machine (on the office's safe USB stick, with the administrator). Inside:

- ``manifest.json``: when, which database engine, the audit chain's head, the ledger's size,
  the number of people, and the SHA-256 of every other member;
- ``database.sqlite3`` (SQLite's online backup, consistent while the server runs) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``files/…``: the data directory's own files (keys, the exchange office key, the ledger's keys
  and checkpoint) without the database, the task queue and the collected static files;
- ``keys/data_keys.json`` and ``keys/ledger-checkpoint.note`` when they are kept outside the
  data directory (``LINLI_DATA_KEYS_FILE``, ``LINLI_LEDGER_CHECKPOINT_FILE``).

The checkpoint file is copied before the database is: a checkpoint older than the database is
what a running server has anyway, one newer would look like a rolled-back log after a restore.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.db import connection
from pyrage import x25519

FORMAT = "linli-backup/1"
SKIPPED_NAMES = {"static", "tasks.sqlite3", "tasks.sqlite3-wal", "tasks.sqlite3-shm"}
SKIPPED_SUFFIXES = (".lock", "-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is in English and Chinese."""


@dataclass(frozen=True)
class Summary:
    engine: str
    people: int
    audit_seq: int
    ledger_entries: int
    created_at: str

    @classmethod
    def read(cls, created_at: str = "") -> Summary:
        from linli.core.models import AuditHead
        from linli.ledger.models import LedgerEntry
        from linli.people.models import Person

        head = AuditHead.objects.filter(pk=1).first()
        return cls(engine=connection.vendor, people=Person.objects.count(), audit_seq=head.seq if head else 0,
                   ledger_entries=LedgerEntry.objects.count(),
                   created_at=created_at or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))


def new_key(path: Path) -> str:
    """Write a new secret key to ``path`` (readable by its owner only) and return its public
    recipient, which backups are encrypted to."""
    if path.exists():
        raise BackupError(f"{path} exists already; choose another file. / {path} 已存在，请换一个文件名。")
    identity = x25519.Identity.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(f"# Linli backup key: restores backups; keep it off the server.\n{identity}\n")
    return str(identity.to_public())


def _recipient(text: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text.strip())
    except Exception as exc:  # pyrage raises its own error types for a malformed key
        raise BackupError("The backup key must be an age public key (age1…); create one with `linli backup "
                          "--new-key FILE`. / 备份公钥格式不对（应以 age1 开头）；可用 `linli backup --new-key 文件` "
                          "生成。") from exc


def _identity(path: Path) -> x25519.Identity:
    try:
        lines = [line.strip() for line in path.read_text(encoding="ascii").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Cannot read the backup key {path}: {exc} / 无法读取备份私钥 {path}") from exc
    for line in lines:
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line)
            except Exception as exc:  # a damaged key line
                raise BackupError(f"{path} holds a damaged key. / {path} 中的私钥已损坏。") from exc
    raise BackupError(f"{path} holds no backup key (AGE-SECRET-KEY-…). / {path} 中没有备份私钥。")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _data_files(data_dir: Path, database: Path | None) -> list[Path]:
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or relative.parts[0] in SKIPPED_NAMES or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        if database is not None and path.resolve() == database.resolve():
            continue
        found.append(path)
    return found


def _outside_keys() -> dict[str, Path]:
    """Key files configured outside the data directory, by their name in the archive."""
    from linli.ledger.state import checkpoint_file

    data_dir = Path(settings.DATA_DIR).resolve()
    wanted = {"keys/data_keys.json": Path(settings.LINLI_DATA_KEYS_PATH),
              "keys/ledger-checkpoint.note": checkpoint_file()}
    return {name: path for name, path in wanted.items()
            if path.exists() and not path.resolve().is_relative_to(data_dir)}


def _snapshot_database(target_dir: Path) -> Path:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        target = target_dir / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy, pages=4096)  # consistent while the server writes
        finally:
            copy.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = target_dir / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), "--dbname", _pg_url()])
        return target
    raise BackupError(f"Backups cover SQLite and PostgreSQL, not {connection.vendor}. / 备份只支持 SQLite 与 PostgreSQL。")


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    at = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{at}{db.get('HOST') or 'localhost'}{port}/{db['NAME']}"


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=6 * 3600)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools). / 未安装 {command[0]}"
                          "（PostgreSQL 客户端工具）。") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed / {command[0]} 失败: {exc.stderr.strip()[:500]}") from exc


def backup(output: Path, recipient: str, *, say: Callable[[str], None] = lambda _: None) -> Summary:
    """Write an encrypted backup of this installation to ``output``."""
    to = _recipient(recipient)
    if output.exists():
        raise BackupError(f"{output} exists already. / {output} 已存在。")
    data_dir = Path(settings.DATA_DIR)
    database = Path(settings.DATABASES["default"]["NAME"]) if connection.vendor == "sqlite" else None
    summary = Summary.read()
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".backup-") as work:
        staging = Path(work)
        members: dict[str, Path] = {}
        # Keys and the checkpoint first, the database after them (see the module's docstring).
        for path in _data_files(data_dir, database):
            members["files/" + path.relative_to(data_dir).as_posix()] = path
        for name, path in _outside_keys().items():
            members[name] = path
        copied: dict[str, Path] = {}
        for name, path in members.items():
            copy = staging / "copy" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            copied[name] = copy
        say("database … / 数据库 …")
        snapshot = _snapshot_database(staging)
        copied[snapshot.name] = snapshot
        manifest = {"format": FORMAT, **summary.__dict__,
                    "members": {name: {"sha256": _sha256(path), "bytes": path.stat().st_size}
                                for name, path in copied.items()}}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        archive = staging / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(staging / "manifest.json", arcname="manifest.json")
            for name, path in copied.items():
                tar.add(path, arcname=name)
        say("encrypting … / 加密 …")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        pyrage.encrypt_file(str(archive), str(partial), [to])
        os.chmod(partial, 0o600)
        partial.rename(output)
    return summary


def read_manifest(archive: Path, key: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as work:
        return _unpack(archive, key, Path(work))[0]


def _unpack(archive: Path, key: Path, work: Path) -> tuple[dict[str, Any], Path]:
    identity = _identity(key)
    plain = work / "backup.tar"
    try:
        pyrage.decrypt_file(str(archive), str(plain), [identity])
    except Exception as exc:  # a wrong key, a damaged or truncated file
        raise BackupError(f"Cannot decrypt {archive}: wrong key, or the file is damaged or cut short. / "
                          f"无法解密 {archive}：私钥不对，或文件已损坏、不完整。") from exc
    unpacked = work / "unpacked"
    try:
        with tarfile.open(plain) as tar:
            tar.extractall(unpacked, filter="data")  # no absolute paths, links out or devices
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"The archive inside {archive} is damaged: {exc} / 备份文件内容已损坏。") from exc
    plain.unlink()
    try:
        manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("The backup has no readable manifest. / 备份缺少清单文件。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}. / 未知的备份格式。")
    for name, expected in manifest["members"].items():
        path = unpacked / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} in the backup does not match its manifest. / 备份中的 {name} 与清单不符。")
    return manifest, unpacked


def restore(archive: Path, key: Path, *, force: bool = False, say: Callable[[str], None] = lambda _: None
            ) -> dict[str, Any]:
    """Put a backup back into this installation's data directory and database. Refuses to
    overwrite a database that holds data unless ``force``; the files it replaces are kept
    beside them with ``.before-restore``."""
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as work:
        manifest, unpacked = _unpack(archive, key, Path(work))
        engine = connection.vendor
        if manifest["engine"] != engine:
            raise BackupError(f"This backup is of a {manifest['engine']} database; this installation uses {engine}. "
                              f"/ 备份来自 {manifest['engine']} 数据库，本机使用 {engine}。")
        if not force and _holds_data():
            raise BackupError("This installation already holds data; restore with --force to replace it (the "
                              "replaced files are kept as *.before-restore). / 本机已有数据；如确要覆盖，请加 --force"
                              "（被替换的文件保留为 *.before-restore）。")
        say("database … / 数据库 …")
        connection.close()
        if engine == "sqlite":
            target = Path(settings.DATABASES["default"]["NAME"])
            for suffix in ("", "-wal", "-shm"):
                old = Path(str(target) + suffix)
                if old.exists() and force:
                    old.replace(Path(str(old) + ".before-restore"))
                elif old.exists():
                    old.unlink()  # the empty database a new installation starts with
            shutil.copy2(unpacked / "database.sqlite3", target)
            os.chmod(target, 0o600)
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  "--dbname", _pg_url(), str(unpacked / "database.pgdump")])
        for name in manifest["members"]:
            if name.startswith("files/"):
                _put(unpacked / name, data_dir / name.removeprefix("files/"), keep=force)
        outside = {"keys/data_keys.json": Path(settings.LINLI_DATA_KEYS_PATH)}
        from linli.ledger.state import checkpoint_file

        outside["keys/ledger-checkpoint.note"] = checkpoint_file()
        for name, target in outside.items():
            if name in manifest["members"]:
                _put(unpacked / name, target, keep=force)
    return manifest


def _put(source: Path, target: Path, *, keep: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and keep:
        target.replace(Path(str(target) + ".before-restore"))
    shutil.copy2(source, target)
    os.chmod(target, 0o600)


def _holds_data() -> bool:
    from django.db.utils import DatabaseError

    from linli.people.models import Person
    from linli.places.models import Place

    try:
        return Place.objects.exists() or Person.objects.exists()
    except DatabaseError:  # no tables yet: an empty installation
        return False
