"""What each role sees first: the dashboards' building blocks.

A dashboard is a list of ``Chart`` and ``Table`` blocks built by a function of the user and the
filters (province, module, period). A block's figures come from ``reports.figures`` (the one
definition each figure has), its table is what the chart draws (shown under it for screen
readers and phones) and what its .xlsx export holds, so the picture, the table and the file
cannot disagree. Blocks are cached per scope and filter until a record they count changes
(see ``score_portal.datacache``).
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Province
from modules.models import Module
from score_portal.datacache import cached, cached_html
from score_portal.forms import StyledFormMixin

from .province import period_bounds

PALETTE = ["#0b3d6e", "#5b8fc7", "#1b7a33", "#d97706", "#b42318", "#6b4fa3", "#0f766e", "#9a3412"]


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list  # lists of cell values (numbers stay numbers for the export)
    definition: str = ""
    links: list = field(default_factory=list)  # optional URL per row (drill-down, "fix it" pages)
    headline: str = ""
    wide: bool = False
    is_chart = False

    @property
    def stacks(self):
        """On a phone, a row of more than two columns becomes a card with labelled lines."""
        return len(self.headers) > 2

    @property
    def linked_rows(self):
        """(url or None, [(header, cell, is_long)]) per row: the first cell links to its url; each
        cell carries its header (the label when the table stacks on a phone); long text wraps."""
        links = list(self.links) + [None] * (len(self.rows) - len(self.links))
        return [
            (
                link,
                [
                    (header, cell, isinstance(cell, str) and len(cell) > 24)
                    for header, cell in zip(self.headers, row, strict=False)
                ],
            )
            for link, row in zip(links, self.rows, strict=False)
        ]


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar", "hbar", "stacked", "line"
    labels: list
    datasets: list  # [(label, [values])]
    table: Table
    headline: str = ""  # the figure in words, with its sample size
    definition: str = ""
    unit: str = ""  # shown on the axis ("%" for shares)
    wide: bool = False
    is_chart = True

    def payload(self):
        """What static/js/charts.js needs to draw the chart (read from a JSON block, no inline script)."""
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "unit": self.unit,
            "datasets": [
                {
                    "label": str(label),
                    "data": [None if v is None else float(v) for v in values],
                    "color": PALETTE[i % 8],
                }
                for i, (label, values) in enumerate(self.datasets)
            ],
        }


def period_choices(today=None):
    """This year and the two before, each whole and by quarter, newest first."""
    today = today or timezone.localdate()
    choices = []
    for year in range(today.year, today.year - 3, -1):
        choices.append((str(year), _("%(year)d (whole year)") % {"year": year}))
        last = (today.month - 1) // 3 + 1 if year == today.year else 4
        for quarter in range(last, 0, -1):
            choices.append((f"{year}-Q{quarter}", f"{year} Q{quarter}"))
    return choices


class DashboardFilterForm(StyledFormMixin, forms.Form):
    """Province (within the user's scope), module and period. Bad values fall back to the
    defaults rather than an error: a dashboard always shows something."""

    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    module = forms.ChoiceField(label=gettext_lazy("Module"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.scope = Province.objects.visible_to(user).order_by("code")
        self.fields["province"].choices = [
            ("", _("All my provinces") if not user.is_administrator else _("All provinces"))
        ]
        self.fields["province"].choices += [(str(p.pk), p.name) for p in self.scope]
        if user.is_consultant:  # a consultant's scope is their enterprises, not provinces
            del self.fields["province"]
        self.fields["module"].choices = [("", _("All modules"))] + [
            (m.code, f"{m.code} · {m.name}") for m in Module.objects.all()
        ]
        self.fields["period"].choices = period_choices()

    def values(self):
        """(provinces queryset, module or None, start, end, period key), in the user's scope."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        provinces = self.scope
        if data.get("province"):
            provinces = self.scope.filter(pk=data["province"])
        module = Module.objects.filter(code=data["module"]).first() if data.get("module") else None
        period = data.get("period") or str(timezone.localdate().year)
        start, end = period_bounds(period)
        return provinces, module, start, end, period


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


BUILDERS = {}


def register_dashboard(role):
    """Declare the function that builds a role's dashboard: (user, filters) -> [Chart | Table].
    ``filters`` is the validated DashboardFilterForm; its ``values()`` give the scope."""

    def decorate(build):
        BUILDERS[role] = build
        return build

    return decorate


def blocks_for(user, form):
    """The user's dashboard blocks for these filters, cached until a counted record changes."""
    build = BUILDERS.get(user.role)
    if build is None:
        return []
    return cached(cache_parts(user, form), lambda: build(user, form))


def scope_parts(user, provinces):
    """Whose figures, for a cache key: an administrator's are everyone's; anyone else's are
    their own (their scope) within the provinces chosen."""
    return [user.role, user.pk if not user.is_administrator else "all", sorted(p.pk for p in provinces)]


def cache_parts(user, form):
    """What a user's dashboard depends on besides the data: role, scope, filters, language, day."""
    provinces, module, start, end, period = form.values()
    module_code = module.code if module else ""
    return [*scope_parts(user, provinces), module_code, period, translation.get_language(), timezone.localdate()]


def body_for(user, form, *, blocks, start, end, query):
    """The dashboard's body as HTML, cached with its blocks: rendering the charts and tables
    costs more than reading the figures, and it is the same for everyone with the same scope.
    ``blocks`` may be lazy: they are read only when the HTML is not in the cache."""
    context = {"blocks": blocks, "start": start, "end": end, "query": query}
    return cached_html([*cache_parts(user, form), query], "reports/dashboard/_body.html", lambda: context)


def find_block(blocks, key):
    for block in blocks:
        if block.key == key:
            return block.table if isinstance(block, Chart) else block
    return None
