"""Organisation name normalisation: what makes "Hangzhou Hikvision Digital Technology Co., Ltd."
and "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD" the same string, in English and Chinese."""

from __future__ import annotations

import re
import unicodedata

# Legal forms carry no identity. Multi-word forms are listed as token tuples, longest first.
LEGAL_FORMS_EN: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(form.split())
            for form in [
                "co ltd",
                "company limited",
                "co limited",
                "company ltd",
                "pte ltd",
                "pvt ltd",
                "private limited",
                "sdn bhd",
                "joint stock company",
                "public limited company",
                "limited liability company",
                "l l c",
                "s a",
                "s a s",
                "s r l",
                "s p a",
                "b v",
                "n v",
                "co",
                "company",
                "corp",
                "corporation",
                "inc",
                "incorporated",
                "ltd",
                "limited",
                "llc",
                "llp",
                "lp",
                "plc",
                "gmbh",
                "ag",
                "kg",
                "sa",
                "sas",
                "sarl",
                "srl",
                "spa",
                "bv",
                "nv",
                "ab",
                "oy",
                "oyj",
                "as",
                "asa",
                "jsc",
                "pjsc",
                "ojsc",
                "cjsc",
                "ooo",
                "zao",
                "oao",
                "pao",
                "pte",
                "pty",
                "pvt",
                "kk",
                "fze",
                "fzco",
                "fzc",
                "fzllc",
                "dmcc",
                "sae",
                "bhd",
                "tic",
                "san",
            ]
        ),
        key=len,
        reverse=True,
    )
)
# Chinese legal forms are suffixes written without spaces; longest first.
LEGAL_FORMS_ZH = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")

# Words that say what kind of company it is, not which one: no weight when matching names.
GENERIC_WORDS = frozenset(
    [
        "technology",
        "technologies",
        "tech",
        "group",
        "holding",
        "holdings",
        "digital",
        "international",
        "intl",
        "industry",
        "industries",
        "industrial",
        "science",
        "sciences",
        "scientific",
        "development",
        "trading",
        "trade",
        "import",
        "export",
        "electronics",
        "electronic",
        "systems",
        "system",
        "solutions",
        "solution",
        "services",
        "service",
        "network",
        "networks",
        "information",
        "communications",
        "communication",
        "global",
        "china",
        "chinese",
        "hong",
        "kong",
        "shenzhen",
        "beijing",
        "shanghai",
        "hangzhou",
        "zhejiang",
        "guangzhou",
        "the",
        "and",
        "of",
        "research",
        "institute",
        "enterprise",
        "enterprises",
        "investment",
        "management",
        "software",
    ]
)
_SINGLE_LEGAL = frozenset(f for f in LEGAL_FORMS_EN if len(f) == 1)
GENERIC_ZH = ("科技", "技术", "数字", "集团", "网络", "信息", "发展", "国际", "电子", "股份")

_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")
_INITIALS = re.compile(r"(?<!\w)(?:[a-z0-9] +)+[a-z0-9](?!\w)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """Casefold, drop accents and control characters, turn punctuation into spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Cc")
    text = unicodedata.normalize("NFKC", text).casefold()
    # "Co., Ltd." and "A.B.C" keep their letters: dots and apostrophes join, other punctuation splits.
    text = re.sub(r"(?<=\w)[.'’](?=\w)", "", text)
    text = _PUNCT.sub(" ", text)
    # Initials written apart ("A. P. Finance", "S. A.") join into one token, as "A.P." does.
    text = _INITIALS.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _SPACE.sub(" ", text).strip()


def _strip_legal_en(tokens: list[str]) -> list[str]:
    """Remove legal forms at the end of the name, repeatedly ("... Co., Ltd. Inc.")."""
    changed = True
    while changed and tokens:
        changed = False
        for form in LEGAL_FORMS_EN:
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                tokens = tokens[:-n]
                changed = True
                break
    return tokens


def _strip_legal_zh(text: str) -> str:
    for suffix in LEGAL_FORMS_ZH:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def normalize_name(name: str) -> str:
    """The comparable form of an organisation name: folded, without trailing legal forms."""
    folded = fold(name)
    tokens = [_strip_legal_zh(t) if _CJK.search(t) else t for t in folded.split()]
    return " ".join(_strip_legal_en(tokens))


def significant_tokens(name: str) -> list[str]:
    """Tokens that identify the company: normalised, generic words removed (CJK generic
    morphemes removed inside a word)."""
    out = []
    for token in normalize_name(name).split():
        if _CJK.search(token):
            for generic in GENERIC_ZH:
                token = token.replace(generic, "")
            if token:
                out.append(token)
        elif token not in GENERIC_WORDS and (token,) not in _SINGLE_LEGAL:
            out.append(token)
    return out


# Places written in front of a Chinese firm's name ("杭州海康威视..."): where it is, not who it is.
PLACES_ZH = (
    "中华人民共和国",
    "中国",
    "北京市",
    "北京",
    "上海市",
    "上海",
    "天津",
    "重庆",
    "深圳市",
    "深圳",
    "杭州市",
    "杭州",
    "浙江省",
    "浙江",
    "广州市",
    "广州",
    "广东省",
    "广东",
    "江苏省",
    "江苏",
    "南京",
    "苏州",
    "武汉",
    "成都",
    "西安",
    "合肥",
    "香港",
)


def match_tokens(name: str) -> list[str]:
    """Significant tokens with leading Chinese place names removed; when nothing significant is
    left (a name made only of generic words) the normalised tokens, so it can still match exactly."""
    out = []
    for token in significant_tokens(name):
        if _CJK.search(token):
            stripped = True
            while stripped:
                stripped = False
                for place in PLACES_ZH:
                    if token.startswith(place) and len(token) > len(place):
                        token = token[len(place) :]
                        stripped = True
                        break
        out.append(token)
    return out or normalize_name(name).split()


def match_key(name: str) -> str:
    """Order-free identity of a name: "SenseTime Group Limited" and "Beijing SenseTime Technology
    Development Co., Ltd." both give "sensetime"; "Dahua Bank" gives "bank dahua", not "dahua"."""
    return " ".join(sorted(set(match_tokens(name))))


def match_blocks(key: str) -> list[str]:
    """Candidate-join keys for fuzzy matching: each token's first 4 letters (2 for Chinese), so
    names that share no block are never compared."""
    blocks = {t[:2] if _CJK.search(t) else t[:4] for t in key.split()}
    return sorted(b for b in blocks if b)
