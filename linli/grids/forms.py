from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.forms import CleanTextMixin
from linli.core.models import RoleAssignment, User
from linli.grids.models import Grid, GridMember
from linli.places.models import Level, Place


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return gettext("%(name)s (%(detail)s)") % {"name": obj, "detail": obj.username}


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return gettext("%(name)s (%(detail)s)") % {"name": obj, "detail": obj.username}


class GridForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    polygon = forms.CharField(label=_("Boundary (GeoJSON polygon)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
                              help_text=_('e.g. {"type": "Polygon", "coordinates": [[[121.5, 31.2], …]]}'))
    places = forms.ModelMultipleChoiceField(label=_("Buildings covered"), queryset=Place.objects.none(),
                                            widget=forms.CheckboxSelectMultiple, required=False)
    leader = UserChoiceField(label=_("Grid leader"), queryset=User.objects.none())
    members = UsersChoiceField(label=_("Grid members"), queryset=User.objects.none(), required=False,
                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, grid: Grid, **kwargs: Any) -> None:
        leader = grid.members.filter(role=GridMember.Role.LEADER).first()
        kwargs.setdefault("initial", {
            "name": grid.name,
            "polygon": json.dumps(grid.polygon, ensure_ascii=False) if grid.polygon else "",
            "places": list(grid.places.values_list("pk", flat=True)),
            "leader": leader.user_id if leader else None,
            "members": list(grid.members.filter(role=GridMember.Role.MEMBER).values_list("user_id", flat=True)),
        })
        super().__init__(*args, **kwargs)
        community = grid.community
        places_field: Any = self.fields["places"]
        places_field.queryset = Place.objects.filter(
            path__under=community.path, level=Level.BUILDING).select_related("parent").order_by("path")
        places_field.label_from_instance = lambda p: f"{p.parent.name} {p.name}"
        staff = User.objects.filter(is_active=True).filter(
            Q(pk__in=RoleAssignment.objects.filter(grid__community=community).values("user"))
            | Q(pk__in=RoleAssignment.objects.filter(place__path__under=community.path,
                                                     place__level=Level.COMMUNITY).values("user"))
        ).order_by("username")
        for name in ("leader", "members"):
            user_field: Any = self.fields[name]
            user_field.queryset = staff
        for name in ("name", "polygon"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["leader"].widget.attrs["class"] = "form-select"

    def clean_polygon(self) -> Any:
        raw = self.cleaned_data["polygon"].strip()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("This is not valid JSON (line %(line)d, column %(col)d)."),
                                  params={"line": exc.lineno, "col": exc.colno}) from exc
