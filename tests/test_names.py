"""Organisation names compare equal across case, accents, punctuation and legal forms."""

from __future__ import annotations

import pytest

from analyzer.names import normalize_name, significant_tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD"),
        ("Société Générale S.A.", "societe generale"),
        ("SenseTime Group Limited", "Sensetime Group Ltd"),
        ("杭州海康威视数字技术股份有限公司", "杭州海康威视数字技术有限公司"),
        ("A.P. Finance Limited", "AP Finance"),
    ],
)
def test_same_company_same_normal_form(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_generic_words_carry_no_weight() -> None:
    assert significant_tokens("Hangzhou Hikvision Digital Technology Co., Ltd.") == ["hikvision"]
    assert significant_tokens("Beijing SenseTime Technology Development Co., Ltd.") == ["sensetime"]
    assert significant_tokens("Zhejiang Dahua Technology Co., Ltd.") == ["dahua"]
    assert significant_tokens("Dahua Bank") == ["dahua", "bank"]


def test_control_characters_from_upstream_mojibake_are_dropped() -> None:
    # The 2019 CSL writes "Gui\x92an" (a stray C1 control character for an apostrophe).
    assert (
        normalize_name("Gui\x92an New District Huawei Investment Co., Ltd.")
        == "guian new district huawei investment"
    )
