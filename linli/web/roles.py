"""The roles page: a community secretary or street officer grants and revokes the roles of her
own staff, volunteers and grid workers, inside her own scope (``linli.core.actions``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, area_of, get_or_404, may, route
from linli.core.actions import MANAGE, do_grant_role, do_revoke_role, grantable_roles
from linli.core.forms import CleanTextMixin
from linli.core.models import Role, RoleAssignment, User
from linli.core.pagination import Pager
from linli.grids.models import Grid
from linli.places.models import Level, Place


class RoleChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext(obj.name)


class GrantForm(CleanTextMixin, forms.Form):
    username = forms.CharField(label=_("Account (user name)"), max_length=150)
    role = RoleChoice(label=_("Role"), queryset=Role.objects.none())
    place = forms.ModelChoiceField(label=_("Where"), queryset=Place.objects.none(), required=False,
                                   help_text=_("A street, community or compound of your area; or choose a grid."))
    house_code = forms.CharField(label=_("Or a house code"), max_length=32, required=False,
                                 help_text=_("For a resident: the code of her house (户室编码)."))
    grid = forms.ModelChoiceField(label=_("Or a grid"), queryset=Grid.objects.none(), required=False)
    valid_from = forms.DateTimeField(label=_("Starts"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    valid_until = forms.DateTimeField(label=_("Ends"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                      help_text=_("Leave empty for no end (a volunteer's term, say, has one)."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # The roles she may grant across her area (checked again, for the place chosen, on save).
        area = area_of(user, MANAGE)
        roles = Role.objects.order_by("code")
        if area:
            roles = roles.filter(pk__in=[r.pk for r in grantable_roles(user, area)])
        choices: dict[str, Any] = {
            "role": roles,
            "place": Place.objects.restrict(user, MANAGE).filter(
                level__in=[Level.STREET, Level.COMMUNITY, Level.COMPOUND]).order_by("path"),
            "grid": Grid.objects.restrict(user, "grids.view").order_by("code"),
        }
        for name, queryset in choices.items():
            field: Any = self.fields[name]
            field.queryset = queryset
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if name == "username":
                field.widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = User.objects.filter(username=data.get("username", "")).first()
        if data.get("username") and user is None:
            self.add_error("username", _("No account has this user name."))
        data["account"] = user
        code = (data.get("house_code") or "").strip()
        if code:
            house = Place.objects.restrict(self.user, MANAGE).filter(code=code, level=Level.HOUSE).first()
            if house is None:
                self.add_error("house_code", _("No house of your area has this code."))
            data["place"] = house
        chosen = [x for x in (data.get("place"), data.get("grid")) if x is not None]
        if len(chosen) != 1 and not self.errors:
            raise ValidationError(_("Choose one place, one house or one grid."), code="scope")
        return data


def _rows(user: Any, show_ended: bool) -> Any:
    assignments = RoleAssignment.objects.restrict(user, MANAGE).select_related(
        "user", "role", "place", "grid", "granted_by").order_by("path", "user__username", "pk")
    return assignments if show_ended else assignments.current()


@route(MANAGE)
@login_required
def roles(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MANAGE):
        return render(request, "core/denied.html", status=403)
    form = GrantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place, grid = data.get("place"), data.get("grid")
        try:
            do_grant_role(data["account"], data["role"], acting_user=request.user,
                          place=place if grid is None else None, grid=grid,
                          valid_from=data.get("valid_from"), valid_until=data.get("valid_until"))
        except PermissionDenied:
            form.add_error("role", gettext("You may not grant this role there: only roles at most as strong as your own, "
                                      "inside your area."))
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, gettext("%(user)s now holds the role %(role)s.") % {
                "user": data["account"], "role": gettext(data["role"].name)})
            return redirect("roles")
    show_ended = request.GET.get("ended") == "1"
    page = Pager(_rows(request.user, show_ended), 50).get_page(request.GET.get("page"))
    return render(request, "web/roles.html", {
        "form": form, "page": page, "now": timezone.now(), "show_ended": show_ended},
        status=422 if form.errors else 200)


@route(MANAGE, model=RoleAssignment)
@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_or_404(RoleAssignment.objects.select_related("user", "role"), request.user, MANAGE, pk=pk)
    try:
        do_revoke_role(assignment, acting_user=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("The role %(role)s of %(user)s has ended.") % {
            "user": assignment.user, "role": gettext(assignment.role.name)})
    return redirect("roles")
