"""Pinyin search keys and the parsing of a typed query (issue 13, kam.core.pinyin and kam.core.search): pure
functions, no database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kam.core import pinyin, search


def test_name_keys_hold_full_pinyin_and_initials():
    full, initials = pinyin.name_keys("佛山美居家具有限公司")
    assert full == "foshanmeijujiajuyouxiangongsi"
    assert initials == "fsmjjjyxgs"


def test_phrases_decide_the_reading_of_heteronyms():
    # 重庆 is chongqing, 银行 yinhang: pypinyin reads characters in the context of the phrases it knows
    assert pinyin.name_keys("重庆银行")[0] == "chongqingyinhang"


def test_common_other_readings_are_stored_as_variants():
    """The documented choice: the contextual reading first, then the name readings of a short list of
    characters (曾 zeng, 行 hang, …) where the context does not decide, at most MAX_VARIANTS."""
    full, initials = pinyin.name_keys("曾记家居")
    assert full.split(" ")[0] == "cengjijiaju" and "zengjijiaju" in full.split(" ")
    assert "zjjj" in initials.split(" ")
    full, _ = pinyin.name_keys("长沙行知教育")
    assert "changshahangzhijiaoyu" in full.split(" ")
    assert len(pinyin.name_keys("曾长行乐单朝重")[0].split(" ")) <= pinyin.MAX_VARIANTS


def test_latin_letters_and_digits_are_kept_and_punctuation_dropped():
    assert pinyin.name_keys("ABC家居（佛山）2号店") == ("abcjiajufoshan2haodian", "abcjjfs2hd")
    assert pinyin.name_keys("ＡＢＣ家居")[1] == "abcjj"  # full-width letters folded


def test_short_name_is_part_of_the_keys():
    full, initials = pinyin.name_keys("佛山市华锦家具有限公司", "华锦")
    assert "huajin" in full.split(" ") and "hj" in initials.split(" ")


def test_keys_fit_their_columns():
    full, initials = pinyin.name_keys("曾" * 200, "行" * 60)
    assert len(full) <= pinyin.PINYIN_MAX and len(initials) <= pinyin.INITIALS_MAX


def test_query_forms_mix_chinese_and_letters():
    assert pinyin.query_forms("佛山mj") == ("foshanmj", "fsmj")
    assert pinyin.query_forms("MJ") == ("mj", "mj")
    assert pinyin.query_forms("%_") == ("", "")


def test_parse_recognises_phones_and_numbers():
    q = search.parse("  138 0013-8000 ")
    assert q.digits == "13800138000" and q.phone_tail == "8000"
    assert search.parse("123").phone_tail == ""  # fewer than PHONE_TAIL digits: not a phone
    assert search.parse("sh20261201-001").number == "SH20261201-001"
    assert search.parse("美居").number == "" and search.parse("美居").digits == ""
    assert search.parse("mj").pinyin and not search.parse("m").pinyin and not search.parse("美居").pinyin
    assert not search.parse("   ")
    assert len(search.parse("美" * 1000).text) == search.MAX_LENGTH


@given(st.text(max_size=300))
def test_any_text_parses_and_gives_keys(text):
    """Bad input never raises: control characters, lone surrogates' neighbours, emoji, wildcards."""
    query = search.parse(text)
    assert len(query.text) <= search.MAX_LENGTH
    full, initials = pinyin.name_keys(text)
    assert " " not in pinyin.query_forms(text)[0]
    assert len(full) <= pinyin.PINYIN_MAX and len(initials) <= pinyin.INITIALS_MAX
