"""The administrator's dashboard: every province side by side, the programme's headline result,
and a drill-down into each province (the same dashboard with that province chosen)."""

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from enterprises.models import ProgrammeStatus, Sex, Side
from score_portal.models import Role

from . import figures
from .dashboard import Chart, Table, register_dashboard


def _n(value):
    return value if value is not None else 0


def money(value):
    """Yuan to the fen, as a number (so the .xlsx export can add it up)."""
    return float(round(value, 2))


@register_dashboard(Role.ADMINISTRATOR)
def admin_dashboard(user, form):
    provinces, module, start, end, period = form.values()
    province_list = list(provinces)
    changes = figures.kpi_changes(provinces, start, end, module=module)  # read once for both
    overview = figures.province_overview(provinces, start, end, module=module, changes=changes)
    kpis = figures.kpi_outcomes(provinces, start, end, module=module, changes=changes)
    people = figures.people_trained(provinces, start, end, module=module)
    funnel = figures.module_funnel(provinces, start, end, module=module)
    by_quarter = figures.visits_by_quarter(provinces, end, module=module)
    status = figures.enterprises_by_status(provinces)
    return [
        headline_block(kpis, overview),
        provinces_block(province_list, overview, form),
        kpi_block(kpis),
        people_block(people),
        visits_block(province_list, by_quarter),
        status_block(province_list, provinces, status),
        funnel_block(funnel),
    ]


def headline_block(kpis, overview):
    """The programme's result in one sentence, with its sample size and definition."""
    totals = {key: sum(_n(row.get(key)) for row in overview.values()) for key in ("savings", "cost", "pilot_late")}
    sentence = _(
        "%(most)s of %(n)s enterprises with a baseline and a later value improved on more than half of the KPIs "
        "they measured."
    ) % {"most": kpis["enterprises_improved_most"], "n": kpis["enterprises_measured"]}
    rows = [
        [_("Enterprises that improved on most of their KPIs"), kpis["enterprises_improved_most"]],
        [_("Enterprises with a baseline and a later value"), kpis["enterprises_measured"]],
        [_("Share (%)"), kpis["share"]],
        [_("Savings reported (CNY)"), money(totals["savings"])],
        [_("Programme cost (CNY)"), money(totals["cost"])],
        [_("Pilot-unit reports late"), totals["pilot_late"]],
    ]
    return Table(
        key="headline",
        title=_("The programme's result"),
        headers=[_("Figure"), _("Value")],
        rows=rows,
        headline=sentence,
        definition=_(
            "Improved: the latest value of a KPI, from a month after its baseline and by the end of the period, "
            "is better than the baseline, the way the KPI points. Savings: realised savings of implemented "
            "suggestions and of approved pilot-unit reports; cost: enrolment fees."
        ),
        wide=True,
    )


def provinces_block(province_list, overview, form):
    _provinces, module, _start, _end, period = form.values()
    # Built from the validated filters only: the blocks are cached and shared by every request
    # with the same filters, whatever else its query string held.
    filters = {"period": period, **({"module": module.code} if module else {})}
    headers = [
        _("Province"),
        _("Enterprises"),
        _("Active"),
        _("Modules completed"),
        _("Trained: women"),
        _("Trained: men"),
        _("Visits held"),
        _("Visits planned"),
        _("Improved on most KPIs"),
        _("Savings (CNY)"),
        _("Cost (CNY)"),
        _("Savings per yuan"),
        _("Pilot reports late"),
    ]
    rows, links = [], []
    for province in province_list:
        row = overview.get(province.pk, {})
        rows.append(
            [
                province.name,
                _n(row.get("enterprises")),
                _n(row.get("active")),
                _("%(done)s of %(n)s") % {"done": _n(row.get("completed")), "n": _n(row.get("enrolled"))},
                _n(row.get("women")),
                _n(row.get("men")),
                _n(row.get("visits_held")),
                _n(row.get("visits_planned")),
                _("%(done)s of %(n)s") % {"done": _n(row.get("kpi_improved_most")), "n": _n(row.get("kpi_measured"))},
                money(_n(row.get("savings"))),
                money(_n(row.get("cost"))),
                float(row["roi"]) if row.get("roi") is not None else None,
                _n(row.get("pilot_late")),
            ]
        )
        links.append(reverse("reports:dashboard") + "?" + urlencode({**filters, "province": province.pk}))
    return Table(
        key="provinces",
        title=_("Provinces side by side"),
        headers=headers,
        rows=rows,
        links=links,
        definition=_(
            "Each province's enterprises that are not archived. Modules completed: of the enrolments live in the "
            "period, those completed in it. Trained: participants of classroom sessions begun in the period. "
            "Improved on most KPIs: of the enterprises with a baseline and a later value. Open a province to see "
            "its own dashboard."
        ),
        wide=True,
    )


def kpi_block(kpis):
    rows = [
        [
            row["indicator"].name,
            row["with_baseline"],
            row["measured"],
            row["improved"],
            row["share"],
            float(row["median"]) if row["median"] is not None else None,
        ]
        for row in kpis["kpis"]
    ]
    measured = [row for row in kpis["kpis"] if row["measured"]]
    return Chart(
        key="kpis",
        title=_("Share of enterprises that improved, per KPI"),
        kind="hbar",
        unit="%",
        labels=[row["indicator"].name for row in measured],
        datasets=[(_("Improved (%)"), [row["share"] for row in measured])],
        table=Table(
            key="kpis",
            title=_("Share of enterprises that improved, per KPI"),
            headers=[
                _("KPI"),
                _("With a baseline"),
                _("With a later value"),
                _("Improved"),
                _("Share (%)"),
                _("Median improvement (%)"),
            ],
            rows=rows,
        ),
        headline=_("%(most)s of %(n)s enterprises with a baseline and a later value improved on most of their KPIs.")
        % {"most": kpis["enterprises_improved_most"], "n": kpis["enterprises_measured"]},
        definition=_(
            "Each bar: of the enterprises with a baseline and a later value of that KPI, the share whose latest "
            "value is better. The table gives the counts."
        ),
    )


def people_block(people):
    sexes = [(Sex.FEMALE, _("Women")), (Sex.MALE, _("Men"))]
    sides = [(Side.MANAGEMENT, _("Management")), (Side.WORKER, _("Workers"))]
    rows = [
        [label, *[people["cells"][(sex, side)]["total"] for sex, _label in sexes], people["by_side"][side]]
        for side, label in sides
    ]
    rows.append([_("Total"), *[people["by_sex"][sex] for sex, _label in sexes], people["total"]])
    return Chart(
        key="people",
        title=_("People trained by sex and side"),
        kind="stacked",
        labels=[label for _side, label in sides],
        datasets=[(label, [people["cells"][(sex, side)]["total"] for side, _l in sides]) for sex, label in sexes],
        table=Table(
            key="people",
            title=_("People trained by sex and side"),
            headers=[_("Side"), _("Women"), _("Men"), _("Total")],
            rows=rows,
        ),
        headline=_("%(n)s people trained: %(women)s women and %(men)s men; %(every)s attended every day.")
        % {
            "n": people["total"],
            "women": people["by_sex"][Sex.FEMALE],
            "men": people["by_sex"][Sex.MALE],
            "every": people["every_day"],
        },
        definition=_("Participants of classroom sessions whose first day falls in the period."),
    )


def visits_block(province_list, by_quarter):
    rows = [
        [province.name, *by_quarter["rows"].get(province.pk, [0] * len(by_quarter["quarters"]))]
        for province in province_list
    ]
    return Chart(
        key="visits",
        title=_("Site visits held per quarter"),
        kind="line",
        labels=by_quarter["quarters"],
        datasets=[(row[0], row[1:]) for row in rows],
        table=Table(
            key="visits",
            title=_("Site visits held per quarter"),
            headers=[_("Province"), *by_quarter["quarters"]],
            rows=rows,
        ),
        definition=_(
            "Visits whose record was submitted or approved, by the quarter they were held in (the last eight quarters)."
        ),
    )


def status_block(province_list, provinces, status):
    from .figures import enterprises_in

    counts = {}
    for row in enterprises_in(provinces).order_by().values("province", "status").annotate(n=Count("pk")):
        counts[(row["province"], row["status"])] = row["n"]
    statuses = list(ProgrammeStatus)
    rows = [[p.name, *[counts.get((p.pk, s.value), 0) for s in statuses]] for p in province_list]
    return Chart(
        key="status",
        title=_("Enterprises by status"),
        kind="stacked",
        labels=[p.name for p in province_list],
        datasets=[(s.label, [counts.get((p.pk, s.value), 0) for p in province_list]) for s in statuses],
        table=Table(
            key="status",
            title=_("Enterprises by status"),
            headers=[_("Province"), *[s.label for s in statuses]],
            rows=rows,
        ),
        headline=_("%(n)s enterprises in the programme, %(pilots)s of them pilot units.")
        % {"n": status["total"], "pilots": status["pilot_units"]},
        definition=_("Status as it stands today, for enterprises that are not archived."),
    )


def funnel_block(funnel):
    steps = [
        ("enrolled", _("Enrolled")),
        ("classroom", _("Reached classroom")),
        ("consulting", _("Reached consulting")),
        ("completed", _("Completed")),
    ]
    rows = [[row["module"].code, *[row[key] for key, _label in steps]] for row in funnel]
    return Chart(
        key="funnel",
        title=_("Module completion funnel"),
        kind="bar",
        labels=[row["module"].code for row in funnel],
        datasets=[(label, [row[key] for row in funnel]) for key, label in steps],
        table=Table(
            key="funnel",
            title=_("Module completion funnel"),
            headers=[_("Module"), *[label for _k, label in steps]],
            rows=rows,
        ),
        definition=_(
            "Enrolments live in the period (planned by its end, not completed or withdrawn before its start), "
            "and how many had reached each step by its end."
        ),
    )
