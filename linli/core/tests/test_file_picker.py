"""File inputs in the page's language, and labels with details in Chinese brackets."""

from __future__ import annotations

from django import forms
from django.utils import translation

from linli.core.forms import FilePickerInput, MultipleFileInput
from linli.places.models import Level, Place


class _Upload(forms.Form):
    file = forms.FileField(label="表格", widget=FilePickerInput(attrs={"accept": ".csv", "class": "form-control"}))
    photos = forms.FileField(required=False, widget=MultipleFileInput())


def test_a_file_input_renders_a_button_and_its_state_in_the_pages_language():
    with translation.override("zh-hans"):
        html = str(_Upload()["file"])
        many = str(_Upload()["photos"])
    assert 'type="file"' in html and 'id="id_file"' in html and 'accept=".csv"' in html and "required" in html
    assert 'class="file-picker-input"' in html  # over the button, not Bootstrap's native look
    assert "选择文件" in html and "未选择文件" in html and 'data-many="已选择 {n} 个文件"' in html
    assert "multiple" in many
    with translation.override("en"):
        assert "Choose a file" in str(_Upload()["file"])


def test_an_invalid_file_input_stays_marked_invalid():
    widget = FilePickerInput(attrs={"class": "form-control is-invalid"})
    assert 'class="file-picker-input is-invalid"' in widget.render("file", None, attrs={"id": "f"})


def test_every_upload_form_uses_the_picker():
    from linli.exchange.views import ImportForm
    from linli.health.forms import LabImportForm, RiskAreaImportForm
    from linli.imports.forms import UploadForm
    from linli.tasks.forms import TickForm
    from linli.tickets.forms import AtDoorForm, HotlineUploadForm

    for form_class, name in ((ImportForm, "file"), (UploadForm, "file"), (LabImportForm, "file"),
                             (RiskAreaImportForm, "file"), (TickForm, "photo"), (AtDoorForm, "photo"),
                             (HotlineUploadForm, "file")):
        assert isinstance(form_class.base_fields[name].widget, FilePickerInput), form_class.__name__


def test_an_area_in_the_import_form_has_its_level_in_chinese_brackets(db):
    from linli.imports.forms import _place_label

    street = Place.objects.filter(level=Level.STREET).first()
    with translation.override("zh-hans"):
        chinese = _place_label(street)
    with translation.override("en"):
        english = _place_label(street)
    assert chinese.startswith(street.name + "（") and chinese.endswith("）") and "(" not in chinese
    assert english == f"{street.name} (subdistrict / town)"
