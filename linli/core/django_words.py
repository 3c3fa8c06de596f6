"""Messages of Django and django-axes that Linli translates itself: Django's Chinese ends some
with an ASCII full stop ("确认小数不超过 1 位."), and django-axes has no Chinese at all (its admin
pages showed "access attempts", "Locked Out"). Naming their msgids here puts them in Linli's
catalogue, whose translations take precedence (LOCALE_PATHS come first). Nothing calls these;
they exist for ``makemessages``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext_lazy

OVERRIDDEN = [
    ngettext_lazy("Ensure that there are no more than %(max)s digit in total.",
                  "Ensure that there are no more than %(max)s digits in total.", "max"),
    ngettext_lazy("Ensure that there are no more than %(max)s decimal place.",
                  "Ensure that there are no more than %(max)s decimal places.", "max"),
    gettext_lazy("Please correct the duplicate data for %(field)s, which must be unique."),
    gettext_lazy("Please correct the duplicate values below."),
    gettext_lazy("CSRF verification failed. Request aborted."),
    gettext_lazy("Please enter the correct %(username)s and password for a staff account. "
                 "Note that both fields may be case-sensitive."),
    gettext_lazy("You may edit it again below."),
    # the admin's index: column headers a screen reader reads, which Django has no Chinese for
    gettext_lazy("Model name"), gettext_lazy("Add link"), gettext_lazy("Change or view list link"),
]

AXES = [
    gettext_lazy("access attempt"), gettext_lazy("access attempts"), gettext_lazy("access log"),
    gettext_lazy("access logs"), gettext_lazy("access failure"), gettext_lazy("access failures"),
    gettext_lazy("access attempt expiration"), gettext_lazy("access attempt expirations"),
    gettext_lazy("Access Attempt"), gettext_lazy("User Agent"), gettext_lazy("IP Address"),
    gettext_lazy("HTTP Accept"), gettext_lazy("Path"), gettext_lazy("Attempt Time"),
    gettext_lazy("Access lock out"), gettext_lazy("GET Data"), gettext_lazy("POST Data"),
    gettext_lazy("Failed Logins"), gettext_lazy("Expires At"),
    gettext_lazy("The time when access attempt expires and is no longer valid."), gettext_lazy("Logout Time"),
    gettext_lazy("Session key hash (sha256)"), gettext_lazy("Locked Out"), gettext_lazy("Form Data"),
    gettext_lazy("Meta Data"), gettext_lazy("Clean up expired attempts"), gettext_lazy("Not set"),
    gettext_lazy("Attempt Remaining"),
]
