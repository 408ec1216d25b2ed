"""The Chinese catalogue is complete: every string a user can see has a translation."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

CATALOGUE = (
    Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
)


def test_every_string_in_the_chinese_catalogue_is_translated():
    po = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize(
    ("english", "chinese"),
    [("My profile", "我的"), ("Verified residents", "已核验居民"), ("Sign up", "注册")],
)
def test_chinese_is_what_users_see_by_default(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
