"""Results store: one JSONL file of ItemRecords per (model, task), appended as items finish.

Resume key = (model, task hash, item id, item hash, prompt): a rerun skips what is already recorded,
a changed task (new hash) moves the old file aside instead of mixing results, and an item whose
prompt changed (e.g. fixed shots that shift when N grows) is run again. A line cut off by a
kill is dropped on the next open. Finished record files may be archived as `<task>.jsonl.gz`
(that is how reference results are committed); they are read transparently and unpacked again
if the run is resumed.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
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

    def meta_path(self, model: str, task: str) -> Path:
        return self.root / "records" / model / f"{task}.meta.json"

    # ----------------------------------------------------------------- read
    def read(self, model: str, task: str) -> list[ItemRecord]:
        return list(self._iter(self.records_path(model, task)))

    @staticmethod
    def _iter(path: Path) -> Iterator[ItemRecord]:
        gz = path.with_name(path.name + ".gz")
        if not path.exists() and gz.exists():
            path = gz
        if not path.exists():
            return
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
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
        """Replace a (model, task) record file atomically, keeping its format (archived stays gzip)."""
        path = self.records_path(model, task)
        gz = path.with_name(path.name + ".gz")
        target = gz if not path.exists() and gz.exists() else path
        tmp = target.with_name(target.name + ".tmp")
        data = "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8")
        if target.suffix == ".gz":
            with gzip.GzipFile(tmp, "wb", mtime=0) as f:
                f.write(data)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, target)

    def archive(self) -> list[Path]:
        """Gzip every finished record file (for committing reference results); returns the archives."""
        out = []
        for path in sorted((self.root / "records").glob("*/*.jsonl")):
            gz = path.with_name(path.name + ".gz")
            with path.open("rb") as src, gzip.GzipFile(gz, "wb", mtime=0) as dst:
                shutil.copyfileobj(src, dst)
            path.unlink()
            out.append(gz)
        return out

    def metas(self) -> list[RunMeta]:
        return [RunMeta.model_validate_json(p.read_text()) for p in sorted((self.root / "records").glob("*/*.meta.json"))]

    # ------------------------------------------------------------ resume
    def prepare(self, model: str, task: str, task_hash: str) -> dict[str, tuple[str, str]]:
        """Open (model, task) for appending; return {item_id: resume_key(record)} of what is done."""
        path = self.records_path(model, task)
        path.parent.mkdir(parents=True, exist_ok=True)
        gz = path.with_name(path.name + ".gz")
        if not path.exists() and gz.exists():  # resuming an archived run: unpack it first
            with gzip.open(gz, "rb") as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            gz.unlink()
        if not path.exists():
            return {}
        self._drop_torn_tail(path)
        done: dict[str, tuple[str, str]] = {}
        stale = False
        for rec in self._iter(path):
            if rec.task_hash != task_hash:
                stale = True
                break
            done[rec.item_id] = resume_key(rec.item_hash, rec.prompt)
        if stale:
            old_hash = next(self._iter(path)).task_hash
            path.rename(path.with_name(f"{task}.stale-{old_hash}.jsonl"))
            return {}
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
        path = self.records_path(model, task)
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
