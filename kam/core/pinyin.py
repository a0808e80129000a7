"""Pinyin search keys (issue 13: find 佛山美居家具 by "meiju", "mj", "fsmj" or "佛山mj").

A name gets two denormalised keys, stored beside it and matched with plain LIKE (both databases):

- the full pinyin without tones or separators: 美居家具 → "meijujiaju" (ü is written "v", as people type it);
- the initials: 美居家具 → "mjjj".

Latin letters and digits in the name are kept (lower-case, full-width folded), punctuation is dropped:
"ABC家居（佛山）" → "abcjiajufoshan" / "abcjjfs".

Heteronyms (the choice, documented): pypinyin reads a character in the context of the phrases it knows
(重庆 → chongqing, 银行 → yinhang), which is right for almost every name; its reading is always the first key.
Where the context does not decide and the character is one of the few whose other reading is common in names
and places (`ALTERNATIVES`: 曾 zeng, 单 shan, 行 hang, 长 zhang, 乐 yue …), the key also holds up to
`MAX_VARIANTS - 1` variants with those readings, separated by a space (a space is never typed into a query's
pinyin form, so no match spans two variants). All other readings are left out: every character has several,
and storing them all would make short initials match almost every name. ü is also stored as "u" (lu for 绿,
nu for 女) as a variant, for people who type it that way.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from pypinyin import Style, pinyin

#: stored key lengths (CharField max_length of the columns that hold them)
PINYIN_MAX = 500
INITIALS_MAX = 200
#: readings per key: the contextual one and at most three variants
MAX_VARIANTS = 4
#: ambiguous characters whose reading is decided per position only among these (others: the contextual one)
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "行": ("xing", "hang"), "长": ("chang", "zhang"), "重": ("zhong", "chong"), "朝": ("chao", "zhao"),
    "曾": ("zeng", "ceng"), "单": ("shan", "dan"), "乐": ("le", "yue"), "厦": ("xia", "sha"), "会": ("hui", "kuai"),
    "解": ("xie", "jie"), "仇": ("qiu", "chou"), "查": ("zha", "cha"), "盛": ("sheng", "cheng"),
    "藏": ("cang", "zang"), "都": ("du", "dou"), "调": ("diao", "tiao"), "传": ("chuan", "zhuan"),
    "种": ("zhong", "chong"), "翟": ("zhai", "di"),
}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")

Reading = tuple[bool, str]  # (a Han character's reading, or a kept run of letters and digits; the text)


def fold(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), lower-case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def has_han(text: str) -> bool:
    return bool(_HAN.search(text or ""))


def has_latin(text: str) -> bool:
    return any("a" <= ch <= "z" for ch in fold(text))


def _readings(text: str) -> list[tuple[bool, list[str]]]:
    """Per segment of the text, (is a Han character, its readings — first the contextual one). A Han run is read
    as a whole (phrases decide readings); a run of anything else is one segment, its letters and digits."""
    out: list[tuple[bool, list[str]]] = []
    for run in _HAN_RUNS.split(text):
        if not run:
            continue
        if not _HAN.match(run):
            plain = _NOT_ALNUM.sub("", fold(run))
            if plain:
                out.append((False, [plain]))
            continue
        for char, options in zip(run, pinyin(run, style=Style.NORMAL, heteronym=True), strict=False):
            first = _NOT_ALNUM.sub("", (options[0] if options else "").lower())
            if not first:
                continue
            choices = [first]
            if len(options) > 1:
                choices += [r for r in ALTERNATIVES.get(char, ()) if r in options and r != first]
            if "v" in first:
                choices.append(first.replace("v", "u"))
            out.append((True, choices))
    return out


def _variants(readings: list[tuple[bool, list[str]]]) -> list[list[Reading]]:
    """The contextual reading first, then readings with the fewest substitutions, at most MAX_VARIANTS."""
    first = [(han, r[0]) for han, r in readings]
    ambiguous = [i for i, (_han, r) in enumerate(readings) if len(r) > 1][:4]
    if not ambiguous:
        return [first]
    combos = sorted(itertools.product(*(range(len(readings[i][1])) for i in ambiguous)),
                    key=lambda combo: (sum(1 for c in combo if c), combo))
    out = []
    for combo in combos[:MAX_VARIANTS]:
        chosen = list(first)
        for i, pick in zip(ambiguous, combo, strict=True):
            chosen[i] = (True, readings[i][1][pick])
        out.append(chosen)
    return out


def _spell(variant: list[Reading]) -> tuple[str, str]:
    """(full, initials) of one reading: a Han character gives its first letter, anything else is kept whole."""
    return "".join(r for _han, r in variant), "".join(r[0] if han else r for han, r in variant)


def _join(parts: list[str], limit: int) -> str:
    """Distinct non-empty parts separated by a space, as many as fit in `limit` (the first is cut to fit)."""
    kept: list[str] = []
    size = 0
    for part in parts:
        if not part or part in kept:
            continue
        if not kept:
            part = part[:limit]
        elif size + 1 + len(part) > limit:
            continue
        size += len(part) + (1 if kept else 0)
        kept.append(part)
    return " ".join(kept)


def name_keys(*names: str) -> tuple[str, str]:
    """(full pinyin key, initials key) of one or more names (a customer's name and short name): each name's
    contextual reading first, then the variants, separated by spaces, within the column lengths."""
    firsts: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        spelled = [_spell(v) for v in _variants(_readings(name))]
        firsts.append(spelled[0])
        others += spelled[1:]
    both = firsts + others
    return _join([f for f, _i in both], PINYIN_MAX), _join([i for _f, i in both], INITIALS_MAX)


def query_forms(text: str) -> tuple[str, str]:
    """A typed query's (full, initials) forms: its Han characters read in context, its letters and digits kept.
    "佛山mj" → ("foshanmj", "fsmj"); "meiju" → ("meiju", "meiju")."""
    return _spell([(han, r[0]) for han, r in _readings(text)])
