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
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Iterable, Iterator

from harness.hashing import stable_hash
from harness.records import ItemRecord, RunMeta


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

    @staticmethod
    def _iter(path: Path) -> Iterator[ItemRecord]:
        """Records of one (model, task): the archive `<path>.gz` (if any), then the plain file (if any)."""
        gz = path.with_name(path.name + ".gz")
        for part, opener in ((gz, gzip.open), (path, open)):
            if not part.exists():
                continue
            with opener(part, "rt", encoding="utf-8") as f:  # type: ignore[operator]
                for line in f:
                    if line.strip():
                        try:
                            yield ItemRecord.model_validate_json(line)
                        except ValueError:
                            continue  # a torn final line from a killed run

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
        return [RunMeta.model_validate_json(p.read_text()) for p in sorted((self.root / "records").glob("*/*.meta.json"))]

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
        path = self.meta_path(meta.model, meta.task)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(meta.model_dump_json(indent=2))
        tmp.replace(path)

    def write_summary(self, summary: dict) -> None:  # type: ignore[type-arg]
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
