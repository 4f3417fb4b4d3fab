"""Multi-step agent items: multi-hop lookups over the generated KB, and file clean-up episodes.

Both carry in `meta` what the agent solver needs to build a fresh sandbox (`sandbox`), which
tools to offer (`tools`) and a per-item step budget (`max_steps`).
"""

from __future__ import annotations

from pydantic import Field

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for
from harness.tools.kb import build_kb, chain, question


class MultiHopParams(GeneratorParams):
    hops: int = Field(2, ge=1, le=6)
    kb_seed: int = Field(7, description="seed of the generated knowledge base")
    slack_steps: int = Field(1, ge=0, le=10, description="steps allowed beyond one lookup per hop plus the answer")


@register_generator("kb_multihop", MultiHopParams)
def kb_multihop(params: MultiHopParams, seed: int, n: int) -> list[Item]:
    """'What is the population of the birth city of X?' over a fictional KB; target is the final value."""
    kb = build_kb(params.kb_seed)
    rng = rng_for(seed, "kb_multihop", params.hops, params.kb_seed)
    items, seen = [], set()
    while len(items) < n:
        start, attrs, values = chain(kb, rng, params.hops)
        key = (start, tuple(attrs))
        if key in seen and len(seen) < 50 * n:
            continue
        seen.add(key)
        items.append(Item(
            id=f"h{params.hops}-{len(items):04d}",
            fields={"question": question(start, attrs), "entity": start},
            target=values[-1],
            meta={"hops": params.hops, "path": attrs, "chain": values, "tools": ["lookup"], "sandbox": {"kb_seed": params.kb_seed},
                  "max_steps": params.hops + 1 + params.slack_steps},
        ))
    return items


_STEMS = ["cache", "draft", "build", "scratch", "temp", "old", "run", "debug", "trace", "session", "dump", "work"]
_OTHER = ["/proj/README.md", "/proj/main.py", "/proj/notes.txt", "/proj/data.csv"]


class FileCleanupParams(GeneratorParams):
    actions: int = Field(2, ge=1, le=16, description="required delete/move actions (k)")
    protected: int = Field(2, ge=0, le=4, description=".tmp files listed in KEEP.txt (must not be deleted)")
    slack_steps: int = Field(1, ge=0, le=10, description="steps allowed beyond list + read KEEP.txt + k actions + the answer")


CLEANUP_INSTRUCTION = (
    "Clean up the folder /proj: delete every .tmp file in /proj except the files listed in /proj/KEEP.txt, "
    "and move every .log file from /proj into the folder /archive. Do not touch any other file. "
    "When you are finished, reply with: Answer: done"
)


@register_generator("file_cleanup", FileCleanupParams)
def file_cleanup(params: FileCleanupParams, seed: int, n: int) -> list[Item]:
    """k required actions (deletes of unprotected .tmp files + moves of .log files) with protected .tmp files.

    meta.sandbox.fs holds the initial files and the protected set; meta.expected the correct end state."""
    rng = rng_for(seed, "file_cleanup", params.actions, params.protected)
    items = []
    for i in range(n):
        k = params.actions
        n_log = rng.randint(0, k)
        names = rng.sample(_STEMS, min(len(_STEMS), k + params.protected))
        while len(names) < k + params.protected:
            names.append(f"{rng.choice(_STEMS)}{len(names)}")
        logs = [f"/proj/{s}.log" for s in names[:n_log]]
        tmps = [f"/proj/{s}.tmp" for s in names[n_log:k]]
        keep = [f"/proj/{s}.tmp" for s in names[k : k + params.protected]]
        files = {p: f"contents of {p.rsplit('/', 1)[1]}\n" for p in logs + tmps + keep}
        for p in rng.sample(_OTHER, 2):
            files[p] = f"contents of {p.rsplit('/', 1)[1]}\n"
        files["/proj/KEEP.txt"] = "".join(f"{p.rsplit('/', 1)[1]}\n" for p in keep) or "(nothing)\n"
        files["/archive/README.txt"] = "archived files go here\n"
        order = sorted(files, key=lambda _: rng.random())
        files = {p: files[p] for p in order}
        expected = {p: c for p, c in files.items() if p not in tmps and p not in logs}
        expected.update({f"/archive/{p.rsplit('/', 1)[1]}": files[p] for p in logs})
        protected = sorted(keep + ["/proj/KEEP.txt"])
        items.append(Item(
            id=f"k{k}-{i:04d}",
            fields={"question": CLEANUP_INSTRUCTION},
            target="done",
            meta={"actions": k, "n_delete": len(tmps), "n_move": len(logs), "tools": ["list_files", "read_file", "move_file", "delete_file"],
                  "sandbox": {"fs": {"files": files, "protected": protected}}, "expected": expected,
                  "required": {"delete": sorted(tmps), "move": sorted(logs)}, "max_steps": k + 3 + params.slack_steps},
        ))
    return items
