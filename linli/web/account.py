"""The user's own account page and the second factor's pages (decision 0022).

``/account/`` shows her password link, her second factor and her API tokens (create, list,
revoke). ``/account/second-factor/verify/`` asks for the code after the password;
``/account/second-factor/`` sets up an authenticator app (a QR code drawn on the server) and
shows ten backup codes once. The changes are the audited actions of ``linli.core.actions``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from linli.core import twofactor
from linli.core.access import PermissionDenied, get_or_404, route
from linli.core.actions import (
    TOKENS,
    do_create_token,
    do_enrol_second_factor,
    do_new_backup_codes,
    do_remove_second_factor,
    do_revoke_token,
    do_verify_second_factor,
)
from linli.core.api_auth import own_tokens
from linli.core.forms import StyledForm
from linli.core.models import ApiToken

PENDING_KEY = "linli_otp_new_key"  # the key being set up, kept in the session until confirmed


class CodeForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=24, strip=True)


class TokenForm(StyledForm):
    name = forms.CharField(label=_("What the token is for"), max_length=64,
                           help_text=_("For example the program that will use it: “nightly report”."))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("home")


def _signed_in_again(request: HttpRequest, device: Any) -> None:
    """Mark the session as having passed the second factor, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


# --- the account page -----------------------------------------------------------------------------

def _account(request: HttpRequest, *, token_form: TokenForm | None = None, new_token: str = "",
             status: int = 200) -> HttpResponse:
    user: Any = request.user
    device = twofactor.totp_device(user)
    context = {
        "needs_second_factor": twofactor.needs_second_factor(user),
        "device": device,
        "backup_left": twofactor.backup_codes_left(user) if device else 0,
        "tokens": list(own_tokens(user)[:50]),
        "token_form": token_form or TokenForm(),
        "new_token": new_token,
        "token_days": settings.LINLI_API_TOKEN_DAYS,
    }
    return render(request, "web/account.html", context, status=status)


@route(signed_in=True)
@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account(request)


@route(signed_in=True)
@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _account(request, token_form=form, status=422)
    token = do_create_token(acting_user=request.user, name=form.cleaned_data["name"])
    # Shown in this answer only: not in a redirect, a message or the session.
    return _account(request, new_token=token)


@route(TOKENS, model=ApiToken)
@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_or_404(ApiToken.objects.all(), request.user, TOKENS, pk=pk)
    try:
        do_revoke_token(token, acting_user=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("The token %(prefix)s… is revoked: programs using it are refused from now on.")
                         % {"prefix": token.prefix})
    return redirect("account")


# --- the second factor ------------------------------------------------------------------------------

@route(signed_in=True)
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password: six digits from the app, or a backup code."""
    user: Any = request.user
    target = _next(request)
    if twofactor.session_verified(user):
        if request.method == "POST":
            return redirect(target)
        return render(request, "web/second_factor_verify.html", {"done": True, "next": target})
    owed = twofactor.pending(user)
    if owed == twofactor.ENROL:
        return redirect(f"{reverse('second_factor_enrol')}?{urlencode({'next': target})}")
    if not owed:  # nothing set up, nothing needed
        return render(request, "web/second_factor_verify.html", {"nothing": True, "next": target})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = do_verify_second_factor(form.cleaned_data["code"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            _signed_in_again(request, device)
            if device.persistent_id.startswith("otp_static."):
                left = device.token_set.count()
                messages.warning(request, gettext(
                    "You signed in with a backup code; %(n)d are left. Make new ones on your account page "
                    "when few are left.") % {"n": left})
            return redirect(target)
    return render(request, "web/second_factor_verify.html", {"form": form, "next": target},
                  status=422 if form.errors else 200)


def _pending_key(request: HttpRequest) -> bytes:
    stored = request.session.get(PENDING_KEY, "")
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        key = b""
    if len(key) != twofactor.KEY_BYTES:
        key = twofactor.new_key()
        request.session[PENDING_KEY] = key.hex()
    return key


@route(signed_in=True)
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then type the code it
    shows. Replacing one takes a session that passed the old one."""
    user: Any = request.user
    target = _next(request)
    replacing = twofactor.totp_device(user) is not None
    if replacing and not twofactor.session_verified(user):
        return redirect(f"{reverse('second_factor_verify')}?{urlencode({'next': target})}")
    key = _pending_key(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = do_enrol_second_factor(key, form.cleaned_data["code"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            request.session.pop(PENDING_KEY, None)
            _signed_in_again(request, device)
            return render(request, "web/backup_codes.html", {"codes": codes, "next": target, "enrolled": True})
    context = {
        "form": form, "next": target, "replacing": replacing,
        "required": twofactor.needs_second_factor(user),
        "qr": twofactor.qr_svg(twofactor.otpauth_url(user, key)), "key_text": twofactor.key_text(key),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "web/second_factor_enrol.html", context, status=422 if form.errors else 200)


@route(signed_in=True)
@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = do_new_backup_codes(acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError)
                       else gettext("Confirm your code first."))
        return redirect("account")
    return render(request, "web/backup_codes.html", {"codes": codes, "next": reverse("account")})


@route(signed_in=True)
@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    try:
        do_remove_second_factor(acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, gettext("Confirm your code first."))
    else:
        messages.success(request, gettext("The second factor is off: you sign in with your password alone."))
    return redirect("account")
