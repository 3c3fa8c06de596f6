"""The admin pages a community secretary or administrator uses speak Chinese: section and
model names included (no "CORE", no "Report runs")."""

from __future__ import annotations

import re

from django.contrib import admin
from django.utils import translation

ALLOWED = {"API"}


def _english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED}


def test_every_admin_section_and_model_has_a_chinese_name():
    with translation.override("zh-hans"):
        for model, _admin in admin.site._registry.items():
            app = model._meta.app_config
            assert not _english_words(str(app.verbose_name)), app.label
            assert not _english_words(str(model._meta.verbose_name_plural)), model._meta.label


def test_the_admin_index_shows_no_english_section(street):
    html = street.client_for(street.admin).get("/admin/").content.decode()
    captions = re.findall(r"<caption>\s*<a[^>]*>([^<]*)</a>", html)
    assert captions and all(not _english_words(c) for c in captions), captions
    rows = re.findall(r"<th scope=\"row\" id=\"[^\"]*\">\s*<a[^>]*>([^<]*)</a>", html)
    assert rows and all(not _english_words(r) for r in rows), [r for r in rows if _english_words(r)]
