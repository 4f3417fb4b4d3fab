"""Results store: one JSONL file of ItemRecords per (model, task), appended as items finish.

Resume key = (model, task hash, item id, item hash, prompt): a rerun skips what is already recorded,
a changed task (new hash) moves the old file aside instead of mixing results, and an item whose
prompt changed (e.g. fixed shots that shift when N grows) is run again. A line cut off by a
kill is dropped on the next open.

Finished record files may be archived as `<task>.jsonl.gz` (that is how reference results are
committed). An archive is read as it is and never unpacked, deleted or rewritten by reading or
resuming: items computed later go to a plain `<task>.jsonl` beside it, and a (model, task) reads as
the archive followed by that file. The archive is rewritten only when its content really changes
(`rewrite` with different records, `drop`, `archive` merging new items in), so a run that only
resumes leaves a committed checkout clean.

Never silently shortened: any other line that does not parse (or an archive that cannot be
decompressed) makes `read` raise `CorruptRecords` naming the file and every bad line, so a report
never counts fewer items without a word and nothing rewrites a file it could not read whole
(`read_checked` + `quarantine` is the explicit repair). One run per folder: `lock()` takes an
exclusive lock on `<root>/.lock` (a second writer gets `OutputLocked`), and `check_identity`
refuses to add records to a cell made with another seed, backend, model id or weights hash.
Items whose request failed are not records: they are listed in `<task>.errors.json`.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from harness.errors import HarnessError
from harness.hashing import stable_hash
from harness.records import ItemRecord, RunMeta

IDENTITY_FIELDS = ("seed", "backend", "model_id", "weights_hash")


class CorruptRecords(HarnessError):
    """A record file has lines (or a gzip stream) that cannot be read; nothing was rewritten."""

    def __init__(self, path: Path, bad: list[tuple[int, str]]):
        self.path = path
        self.bad = bad
        shown = "; ".join(f"line {n}: {why}" for n, why in bad[:5]) + (f"; ... {len(bad) - 5} more" if len(bad) > 5 else "")
        super().__init__(f"{path}: {len(bad)} unreadable record line(s) ({shown}); the file was not changed. "
                         f"Inspect it, or move the bad lines aside with `harness rescore {path.parents[2]} --repair`")


class OutputLocked(HarnessError):
    """Another run is writing to the same output folder."""


class IdentityMismatch(HarnessError):
    """A cell's existing records were made by another seed / backend / model / weights."""


def _read_text(path: Path) -> tuple[list[str], bool, list[tuple[int, str]]]:
    """(lines, ends with a newline, whole-file problems) of a plain or gzip record file."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        return [], True, [(0, f"not a readable gzip stream ({type(exc).__name__}: {exc})")]
    return data.decode("utf-8", errors="surrogateescape").split("\n"), data.endswith(b"\n") or not data, []


def resume_key(item_hash: str, prompt: object) -> tuple[str, str]:
    """What must match for a recorded item to count as done: the item and the exact prompt it got."""
    return item_hash, stable_hash(prompt)


class ResultStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def records_path(self, model: str, task: str) -> Path:
        return self.root / "records" / model / f"{task}.jsonl"

    def archive_path(self, model: str, task: str) -> Path:
        return self.root / "records" / model / f"{task}.jsonl.gz"

    def meta_path(self, model: str, task: str) -> Path:
        return self.root / "records" / model / f"{task}.meta.json"

    # ----------------------------------------------------------------- read
    def read(self, model: str, task: str) -> list[ItemRecord]:
        return list(self._iter(self.records_path(model, task)))

    def read_checked(self, model: str, task: str) -> tuple[list[ItemRecord], list[tuple[Path, int, str]]]:
        """(records, bad lines as (file, line number, why)) over the archive and the plain file; a torn
        last line from a kill is not counted as bad."""
        recs: list[ItemRecord] = []
        bad: list[tuple[Path, int, str]] = []
        for part in self._parts(self.records_path(model, task)):
            r, b = self._scan(part)
            recs += r
            bad += [(part, n, why) for n, why in b]
        return recs, bad

    @staticmethod
    def _parts(path: Path) -> list[Path]:
        """The files holding one (model, task): its archive, then the plain file of later items."""
        return [p for p in (path.with_name(path.name + ".gz"), path) if p.exists()]

    @staticmethod
    def _scan(path: Path) -> tuple[list[ItemRecord], list[tuple[int, str]]]:
        if not path.exists():
            return [], []
        lines, terminated, bad = _read_text(path)
        recs: list[ItemRecord] = []
        last = len(lines) - 1
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                recs.append(ItemRecord.model_validate_json(line.encode("utf-8", errors="surrogateescape")))
            except ValueError as exc:
                if n - 1 == last and not terminated:
                    continue  # a torn final line from a killed run: never a complete record
                why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
                bad.append((n, why[:120]))
        return recs, bad

    @classmethod
    def _iter(cls, path: Path) -> Iterator[ItemRecord]:
        """Records of one (model, task): the archive `<path>.gz` (if any), then the plain file (if any);
        an unreadable line anywhere raises `CorruptRecords` naming the file and the line."""
        for part in cls._parts(path):
            recs, bad = cls._scan(part)
            if bad:
                raise CorruptRecords(part, bad)
            yield from recs

    def quarantine(self, model: str, task: str) -> tuple[Path, int]:
        """Move the unreadable lines of a record file to `<task>.jsonl.quarantine` (appended) and rewrite
        the file with the readable records only; returns (quarantine file, number of lines moved)."""
        q = self.records_path(model, task).with_name(f"{task}.jsonl.quarantine")
        keep: list[ItemRecord] = []
        moved = 0
        for path in self._parts(self.records_path(model, task)):
            lines, _, whole = _read_text(path)
            if whole:
                raise CorruptRecords(path, whole)  # an unreadable archive: nothing can be kept safely by us
            recs, bad = self._scan(path)
            keep += recs
            if bad:
                with q.open("a", encoding="utf-8", errors="surrogateescape") as f:
                    for n, _why in bad:
                        f.write(lines[n - 1] + "\n")
                moved += len(bad)
        if moved:
            self.rewrite(model, task, keep)
        return q, moved

    def record_files(self) -> list[tuple[str, str]]:
        """(model, task) of every record file, plain or archived (stale copies left out)."""
        paths = {p.with_suffix("") if p.suffix == ".gz" else p for p in (self.root / "records").glob("*/*.jsonl*")}
        return [(p.parent.name, p.name.removesuffix(".jsonl")) for p in sorted(paths) if ".stale-" not in p.name and p.suffix == ".jsonl"]

    def iter_all(self) -> Iterator[ItemRecord]:
        for model, task in self.record_files():
            yield from self.read(model, task)

    def rewrite(self, model: str, task: str, records: list[ItemRecord]) -> None:
        """Replace a (model, task)'s records atomically. Archived stays archived (gzip, one file);
        a file whose content would not change is not touched (so its bytes and mtime stay)."""
        path = self.records_path(model, task)
        gz = path.with_name(path.name + ".gz")
        data = "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8")
        current = (gzip.decompress(gz.read_bytes()) if gz.exists() else b"") + (path.read_bytes() if path.exists() else b"")
        if current == data and (gz.exists() or path.exists()):
            return  # unchanged: the files keep their bytes (an archive is never rewritten for nothing)
        if gz.exists():
            self._write_gz(gz, data)
            path.unlink(missing_ok=True)
            return
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    @staticmethod
    def _write_gz(gz: Path, data: bytes) -> None:
        """Deterministic gzip (no timestamp; the member name is the plain file's name), written atomically."""
        tmp = gz.with_name(gz.name + ".tmp")
        with tmp.open("wb") as raw, gzip.GzipFile(filename=gz.name.removesuffix(".gz"), mode="wb", fileobj=raw, mtime=0) as f:
            f.write(data)
        os.replace(tmp, gz)

    def archive(self) -> list[Path]:
        """Gzip every (model, task) that has a plain record file (for committing reference results):
        its items are appended to the existing archive, if any. Returns the archives written."""
        out = []
        for path in sorted((self.root / "records").glob("*/*.jsonl")):
            if ".stale-" in path.name:
                continue
            gz = path.with_name(path.name + ".gz")
            self._drop_torn_tail(path)
            old = gzip.decompress(gz.read_bytes()) if gz.exists() else b""
            self._write_gz(gz, old + path.read_bytes())
            path.unlink()
            out.append(gz)
        return out

    def metas(self) -> list[RunMeta]:
        return [self._read_meta(p) for p in sorted((self.root / "records").glob("*/*.meta.json"))]

    @staticmethod
    def _read_meta(path: Path) -> RunMeta:
        try:
            return RunMeta.model_validate_json(path.read_bytes())
        except (ValueError, OSError) as exc:
            why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise HarnessError(f"{path}: unreadable run metadata ({why[:200]})") from None

    def read_meta(self, model: str, task: str) -> RunMeta | None:
        path = self.meta_path(model, task)
        return self._read_meta(path) if path.exists() else None

    # ------------------------------------------------------------ locking
    def lock(self) -> None:
        """Take the folder's exclusive lock (released by `unlock` or when the process ends)."""
        if self.root.exists() and not self.root.is_dir():
            raise HarnessError(f"output folder {self.root} is a file, not a folder")
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            self._lock_fd = fd
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise OutputLocked(f"{self.root} is in use by another run (pid {holder}); wait for it to finish or use another --output-dir") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        fd = getattr(self, "_lock_fd", None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def __enter__(self) -> "ResultStore":
        self.lock()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    # ----------------------------------------------------------- identity
    def check_identity(self, model: str, task: str, identity: dict[str, Any]) -> None:
        """Refuse to add to a cell whose records were made by another seed, backend, model id or weights."""
        meta = self.read_meta(model, task)
        where = (self._parts(self.records_path(model, task)) or [self.records_path(model, task)])[-1]
        if meta is not None:
            old = meta.model_dump()
            for k in IDENTITY_FIELDS:
                a, b = old.get(k), identity.get(k)
                if k == "weights_hash" and (a is None or b is None):
                    continue  # unknown on one side: nothing to compare
                if a != b:
                    raise IdentityMismatch(
                        f"{where} holds records made with {k} {a!r}; this run has {k} {b!r}. Records of one cell never mix: "
                        "use another --output-dir (or move that file aside to start the cell again)")
        seeds = {r.seed for r in self._iter(self.records_path(model, task))}
        if seeds - {identity.get("seed")}:
            raise IdentityMismatch(f"{where} holds records made with seed {sorted(seeds)}; this run has seed {identity.get('seed')!r}. "
                                   "Use another --output-dir (or move that file aside)")

    # ------------------------------------------------------- failed items
    def errors_path(self, model: str, task: str) -> Path:
        return self.root / "records" / model / f"{task}.errors.json"

    def write_errors(self, model: str, task: str, errors: dict[str, str]) -> None:
        """The items of a cell whose request failed (item id -> error); they have no record and are retried."""
        path = self.errors_path(model, task)
        if not errors:
            path.unlink(missing_ok=True)
            return
        self._atomic_write(path, json.dumps(errors, indent=1, sort_keys=True))

    @staticmethod
    def _atomic_write(path: Path, text: str) -> None:
        """Write via a temporary file and rename: a symlink at `path` is replaced, never written through."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    # ------------------------------------------------------------ resume
    def prepare(self, model: str, task: str, task_hash: str) -> dict[str, tuple[str, str]]:
        """Open (model, task) for appending; return {item_id: resume_key(record)} of what is done.

        An archive is only read here: new items will be appended to the plain file beside it.
        Records of another task hash (the task changed) are moved aside as `<task>.stale-<hash>.*`."""
        path = self.records_path(model, task)
        path.parent.mkdir(parents=True, exist_ok=True)
        gz = path.with_name(path.name + ".gz")
        if path.exists():
            self._drop_torn_tail(path)
        if not path.exists() and not gz.exists():
            return {}
        done: dict[str, tuple[str, str]] = {}
        old_hash = None
        for rec in self._iter(path):
            if rec.task_hash != task_hash:
                old_hash = rec.task_hash
                break
            done[rec.item_id] = resume_key(rec.item_hash, rec.prompt)
        if old_hash is not None:
            for part, suffix in ((gz, ".jsonl.gz"), (path, ".jsonl")):
                if part.exists():
                    part.rename(path.with_name(f"{task}.stale-{old_hash}{suffix}"))
            return {}
        return done

    def done(self, model: str, task: str, task_hash: str) -> dict[str, tuple[str, str]] | None:
        """Read-only view of what `prepare` would resume: {item_id: resume_key}, or None when the
        records belong to another task hash (they would be moved aside and everything rerun)."""
        done: dict[str, tuple[str, str]] = {}
        for rec in self._iter(self.records_path(model, task)):
            if rec.task_hash != task_hash:
                return None
            done[rec.item_id] = resume_key(rec.item_hash, rec.prompt)
        return done

    def drop(self, model: str, task: str, item_ids: set[str]) -> None:
        """Remove the records of these items (their prompt changed: they are run again)."""
        self.rewrite(model, task, [r for r in self.read(model, task) if r.item_id not in item_ids])

    @staticmethod
    def _drop_torn_tail(path: Path) -> None:
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with path.open("r+b") as f:
                f.truncate(keep)

    # ---------------------------------------------------------------- write
    def append(self, model: str, task: str, records: Iterable[ItemRecord]) -> None:
        """Append to the plain `<task>.jsonl` (never to an archive: it stays as committed)."""
        path = self.records_path(model, task)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(r.model_dump_json() + "\n" for r in records)
        with path.open("a", encoding="utf-8") as f:
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())

    def write_meta(self, meta: RunMeta) -> None:
        self._atomic_write(self.meta_path(meta.model, meta.task), meta.model_dump_json(indent=2))

    def write_summary(self, summary: dict) -> None:  # type: ignore[type-arg]
        self._atomic_write(self.root / "summary.json", json.dumps(summary, indent=2, sort_keys=True))
