"""Who may generate the departments' reports and see their runs.

Lists of residents are exports (``people.export``); reports naming people with their health
data (the health commission's and CDC's) need ``health.report`` as well, and a stated purpose.
"""

from django.utils.translation import gettext_lazy as _

from linli.core.access import Author, CodeScope, declare, needs_second_factor_for, register_actions
from linli.reports.models import ReportRun

register_actions({
    "health.report": _("generate the health departments' reports (arrivals, contacts) for one's area"),
})
# The health departments' reports name people with full ID numbers and their health data.
needs_second_factor_for("health.report")

declare(ReportRun, {"people.export": Author(field="generated_by", place=CodeScope(field="scope_code"))})
