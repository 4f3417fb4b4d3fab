"""Fictional entity names (English and Chinese), built from syllable lists and checked against the
frozen answerable tables, so the right answer to any question about them is to abstain.

Each name is made as an (English, Chinese) pair from paired syllables (the Chinese is a
transliteration), so the same entity can be asked about in both languages. A name is rejected
if its normalised form equals, contains or is contained in any string of the answerable tables
(`harness/data/facts.json`, `filmography.json`); this guarantees absence from *our* tables only,
not from the world, which is why the syllables are deliberately uncommon.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterator

from harness.data import load_table

# (english, chinese) syllables; combinations are unusual in both languages by design.
_PERSON_FIRST = [("Drel", "德雷"), ("Kor", "科尔"), ("Vel", "韦尔"), ("Tam", "塔姆"), ("Quar", "夸尔"), ("Zan", "赞"),
                 ("Fen", "芬"), ("Lor", "洛尔"), ("Bri", "布里"), ("Os", "奥斯"), ("Mav", "马夫"), ("Ysh", "伊什")]
_PERSON_FIRST_END = [("van", "万"), ("ith", "伊思"), ("ena", "叶娜"), ("dor", "多尔"), ("mira", "米拉"), ("ius", "尤斯"), ("ette", "埃特"), ("aric", "阿里克")]
_PERSON_LAST = [("Oster", "奥斯特"), ("Quill", "奎尔"), ("Brann", "布兰"), ("Thal", "塔尔"), ("Kest", "凯斯特"), ("Varl", "瓦尔"),
                ("Morv", "莫尔夫"), ("Zell", "策尔"), ("Hadr", "哈德尔"), ("Plov", "普洛夫")]
_PERSON_LAST_END = [("holm", "霍尔姆"), ("wick", "威克"), ("strand", "斯特兰德"), ("ington", "英顿"), ("berg", "贝格"), ("ley", "利"), ("mere", "米尔")]
_ZH_SURNAME = [("Qiao", "乔"), ("Lan", "蓝"), ("Mo", "莫"), ("Shang", "尚"), ("Yan", "晏"), ("Gu", "谷"), ("Ning", "宁"), ("Bai", "柏")]
_ZH_GIVEN = [("Yan", "砚"), ("Che", "澈"), ("You", "宥"), ("Xiao", "骁"), ("Ke", "珂"), ("Yi", "翊"), ("Jing", "璟"), ("Lan", "岚"), ("Qi", "琦"), ("Su", "溯")]
_PLACE_HEAD = [("Vel", "维尔"), ("Mar", "马尔"), ("Tor", "托尔"), ("Kes", "凯斯"), ("Ostr", "奥斯特"), ("Lun", "伦"), ("Zar", "扎尔"), ("Quen", "昆")]
_PLACE_TAIL = [("doria", "多利亚"), ("avia", "阿维亚"), ("menia", "梅尼亚"), ("vakia", "瓦基亚"), ("trand", "特兰德"), ("oria", "奥里亚")]
_ADJ = [("Silent", "寂静的"), ("Crimson", "绯红的"), ("Last", "最后的"), ("Hollow", "空心的"), ("Paper", "纸做的"), ("Ninth", "第九个"), ("Glass", "玻璃")]
_NOUN = [("Orchard", "果园"), ("Lighthouse", "灯塔"), ("Harbour", "港湾"), ("Cartographer", "制图师"), ("Winter", "冬天"), ("Staircase", "阶梯"), ("Archive", "档案馆")]
_METHOD = [("Recursive Lattice Distillation", "递归格蒸馏"), ("Spectral Gate Pruning", "谱门剪枝"), ("Contrastive Anchor Folding", "对比锚点折叠"),
           ("Hierarchical Echo Routing", "层次回声路由"), ("Sparse Tensor Braiding", "稀疏张量编织")]
_TASK = [("Tabular Alignment", "表格对齐"), ("Protein Lattice Search", "蛋白质格点搜索"), ("Multilingual Rhyme Retrieval", "多语言韵脚检索"),
         ("Glacier Flow Forecasting", "冰川流动预测"), ("Sonar Map Completion", "声呐地图补全")]
_COMPANY_HEAD = [("Velnex", "维尔奈克斯"), ("Quarvo", "夸尔沃"), ("Zentrik", "曾特里克"), ("Ostrevin", "奥斯特雷文"), ("Lumeq", "卢梅克"), ("Torvix", "托尔维克斯")]
_INDUSTRY = [("Biotech", "生物科技"), ("Robotics", "机器人"), ("Logistics", "物流"), ("Semiconductors", "半导体"), ("Aerospace", "航天")]
_FIELD = [("Marine Mathematics", "海洋数学"), ("Applied Acoustics", "应用声学"), ("Urban Botany", "城市植物学"), ("Computational Poetry", "计算诗学")]

ENTITY_TYPES = ("person", "country", "book", "film", "paper", "company", "prize")


def normalise(s: str) -> str:
    """Case-, accent- and punctuation-insensitive form (keeps letters, digits and CJK)."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^\w]+", " ", s.lower()).strip()


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if not k.startswith("_"):
                yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


@lru_cache(maxsize=1)
def known_strings() -> frozenset[str]:
    """Every normalised string (of ≥ 2 characters) in the answerable tables."""
    out = {normalise(s) for table in ("facts.json", "filmography.json") for s in _strings(load_table(table))}
    return frozenset(s for s in out if len(s) >= 2)


def is_known(name: str) -> bool:
    """True if `name` collides with the answerable tables (equal, or one contains the other as words)."""
    n = normalise(name)
    if not n:
        return True
    padded = f" {n} "
    for k in known_strings():
        if k == n or (len(k) >= 4 and f" {k} " in padded) or (len(n) >= 4 and f" {n} " in f" {k} "):
            return True
        # CJK strings have no spaces: substring containment of names of ≥ 2 characters
        if re.search(r"[\u4e00-\u9fff]", k) and re.search(r"[\u4e00-\u9fff]", n) and (k in n or n in k) and min(len(k), len(n)) >= 2:
            return True
    return False


def _pick(rng: random.Random, pairs: list[tuple[str, str]]) -> tuple[str, str]:
    return pairs[rng.randrange(len(pairs))]


def _join(*parts: tuple[str, str], en_sep: str = "", zh_sep: str = "") -> tuple[str, str]:
    return en_sep.join(p[0] for p in parts), zh_sep.join(p[1] for p in parts)


def _western_person(rng: random.Random) -> tuple[str, str]:
    first = _join(_pick(rng, _PERSON_FIRST), _pick(rng, _PERSON_FIRST_END))
    last = _join(_pick(rng, _PERSON_LAST), _pick(rng, _PERSON_LAST_END))
    return f"{first[0]} {last[0]}", f"{first[1]}·{last[1]}"


def _chinese_person(rng: random.Random) -> tuple[str, str]:
    s, g1, g2 = _pick(rng, _ZH_SURNAME), _pick(rng, _ZH_GIVEN), _pick(rng, _ZH_GIVEN)
    return f"{s[0]} {g1[0]}{g2[0].lower()}", f"{s[1]}{g1[1]}{g2[1]}"


def _place(rng: random.Random) -> tuple[str, str]:
    return _join(_pick(rng, _PLACE_HEAD), _pick(rng, _PLACE_TAIL))


def _raw_name(kind: str, rng: random.Random) -> tuple[str, str]:
    if kind == "person":
        return _western_person(rng) if rng.random() < 0.5 else _chinese_person(rng)
    if kind == "country":
        return _place(rng)
    if kind == "book":
        adj, noun, place = _pick(rng, _ADJ), _pick(rng, _NOUN), _place(rng)
        return f"The {adj[0]} {noun[0]} of {place[0]}", f"{place[1]}{adj[1]}{noun[1]}"
    if kind == "film":
        adj, noun = _pick(rng, _ADJ), _pick(rng, _NOUN)
        place = _place(rng)
        return f"{place[0]}: The {adj[0]} {noun[0]}", f"{place[1]}:{adj[1]}{noun[1]}"
    if kind == "paper":
        m, t = _pick(rng, _METHOD), _pick(rng, _TASK)
        return f"{m[0]} for {t[0]}", f"基于{m[1]}的{t[1]}方法"
    if kind == "company":
        head, ind = _pick(rng, _COMPANY_HEAD), _pick(rng, _INDUSTRY)
        return f"{head[0]} {ind[0]}", f"{head[1]}{ind[1]}"
    if kind == "prize":
        last, field = _join(_pick(rng, _PERSON_LAST), _pick(rng, _PERSON_LAST_END)), _pick(rng, _FIELD)
        return f"{last[0]} Prize for {field[0]}", f"{last[1]}{field[1]}奖"
    raise ValueError(f"unknown fictional entity type {kind!r}; known: {', '.join(ENTITY_TYPES)}")


def fictional_name(kind: str, rng: random.Random, max_tries: int = 200) -> tuple[str, str]:
    """An (English, Chinese) fictional name of entity type `kind`, absent from the answerable tables."""
    for _ in range(max_tries):
        en, zh = _raw_name(kind, rng)
        if not is_known(en) and not is_known(zh):
            return en, zh
    raise RuntimeError(f"could not draw a fictional {kind} name absent from the tables in {max_tries} tries")
