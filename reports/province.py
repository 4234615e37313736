"""The provincial summary: what the programme did and achieved in a province (or all of them)
over a year, a quarter or any period, for administrators. Its figures are defined once, in
``reports.figures``."""

import datetime

from django.utils.translation import gettext as _

from enterprises.models import Province, Sex, Side

from . import figures
from .kinds import Kind, register
from .summary_charts import bar_chart, column_chart, grouped_bar_chart

ALL = "all"
LONGEST_DAYS = 10 * 366  # a summary covers at most about ten years


def quarter_bounds(year, quarter):
    start = datetime.date(year, 3 * quarter - 2, 1)
    after = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, after - datetime.timedelta(days=1)


def period_bounds(value):
    """("2026" or "2026-Q3") -> (first day, last day); ValueError for anything else."""
    year, sep, quarter = str(value).partition("-Q")
    if not (year.isdigit() and len(year) == 4):
        raise ValueError(value)
    if not sep:
        return datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)
    if quarter not in ("1", "2", "3", "4"):
        raise ValueError(value)
    return quarter_bounds(int(year), int(quarter))


def period_label(start, end):
    """A year ("2026"), a quarter ("2026-Q3") or the two dates."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if start.day == 1 and start.month in (1, 4, 7, 10):
        quarter = (start.month - 1) // 3 + 1
        if quarter_bounds(start.year, quarter) == (start, end):
            return f"{start.year}-Q{quarter}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def clean(params):
    """{"province": id or "all", "start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}, normalised;
    ValueError for anything else."""
    try:
        province, start, end = params["province"], params["start"], params["end"]
        start, end = datetime.date.fromisoformat(str(start)), datetime.date.fromisoformat(str(end))
    except (KeyError, TypeError) as error:
        raise ValueError("province, start and end are needed") from error
    if province != ALL:
        if isinstance(province, bool) or not (isinstance(province, int) or str(province).isdigit()):
            raise ValueError("province")
        province = int(province)
        if not Province.objects.filter(pk=province).exists():
            raise ValueError("no such province")
    if end < start or (end - start).days > LONGEST_DAYS:
        raise ValueError("the period must end after it starts and last at most ten years")
    return {"province": province, "start": start.isoformat(), "end": end.isoformat()}


def may_request(user, params):
    """Administrators only: the summary covers every enterprise of a province."""
    return bool(user.is_authenticated and user.is_administrator)


def _period(params):
    return datetime.date.fromisoformat(params["start"]), datetime.date.fromisoformat(params["end"])


def _province(params):
    return None if params["province"] == ALL else Province.objects.filter(pk=params["province"]).first()


def _place(province):
    return province.name if province else _("All provinces")


def title(params):
    return _("Provincial summary: %(province)s, %(period)s") % {
        "province": _place(_province(params)),
        "period": period_label(*_period(params)),
    }


def filename(params):
    province = _province(params)
    label = period_label(*_period(params)).replace(" – ", "_")
    return f"provincial-summary-{province.code if province else 'all'}-{label}.pdf"


def _charts(status, sector, funnel, people, kpis):
    women, men = _("Women"), _("Men")
    return {
        "status": bar_chart(
            [(row["label"], row["count"], f"{row['count']}") for row in status["rows"]],
            title=_("Enterprises by status"),
        ),
        "sector": bar_chart(
            [(row["label"], row["count"], f"{row['count']}") for row in sector["rows"]],
            title=_("Enterprises by sector"),
            label_width=300,
        ),
        "funnel": grouped_bar_chart(
            [
                (row["module"].code, [row["enrolled"], row["classroom"], row["consulting"], row["completed"]])
                for row in funnel
                if row["enrolled"]
            ],
            [_("Enrolled"), _("Reached classroom"), _("Reached consulting"), _("Completed")],
            title=_("Module completion funnel"),
            label_width=60,
        ),
        "people": column_chart(
            [_("Management"), _("Workers")],
            [women, men],
            [[people["cells"][(sex, side)]["total"] for sex in Sex.values] for side in Side.values],
            title=_("People trained by sex and side"),
        ),
        "kpis": bar_chart(
            [
                (
                    row["indicator"].name,
                    row["share"] or 0,
                    _("%(improved)d of %(measured)d (%(share)d %%)")
                    % {"improved": row["improved"], "measured": row["measured"], "share": row["share"]},
                )
                for row in kpis["kpis"]
                if row["measured"]
            ],
            title=_("Share of enterprises that improved, per KPI"),
            scale_max=100,
            color="#1b7a33",
            label_width=200,
        ),
    }


def gather(params, progress):
    start, end = _period(params)
    provinces = Province.objects.all() if params["province"] == ALL else Province.objects.filter(pk=params["province"])
    province_list = list(provinces)  # evaluated once; the figures use it as a subquery
    province = province_list[0] if params["province"] != ALL and province_list else None
    progress(10, _("Enterprises"))
    status = figures.enterprises_by_status(provinces)
    sector = figures.enterprises_by_sector(provinces)
    progress(20, _("Modules and training"))
    funnel = figures.module_funnel(provinces, start, end)
    people = figures.people_trained(provinces, start, end)
    progress(30, _("Site visits"))
    visits = figures.visits_done_and_planned(provinces, start, end)
    progress(40, _("KPIs"))
    changes = figures.kpi_changes(provinces, start, end)
    kpis = figures.kpi_outcomes(provinces, start, end, changes=changes)
    progress(50, _("Pilot-unit reports, savings and cost"))
    pilots = figures.pilot_reports(provinces, start, end)
    money = figures.savings_and_cost(provinces, start, end, pilot_savings=pilots["total"]["savings_cny"])
    progress(60, _("Enterprises one by one"))
    appendix = figures.enterprise_appendix(provinces, start, end, changes=changes)
    funnel_total = {key: sum(row[key] for row in funnel) for key in ("enrolled", "completed")}
    progress(65, _("Charts"))
    label = period_label(start, end)
    place = _place(province)
    return {
        "province": province,
        "provinces": province_list,
        "start": start,
        "end": end,
        "period_label": label,
        "status": status,
        "sector": sector,
        "funnel": funnel,
        "funnel_total": funnel_total,
        "people": people,
        "visits": visits,
        "kpis": kpis,
        "pilots": pilots,
        "money": money,
        "appendix": appendix,
        "charts": _charts(status, sector, funnel, people, kpis),
        "toc": [
            ("summary", _("Summary")),
            ("enterprises", _("Enterprises")),
            ("modules", _("Modules")),
            ("training", _("People trained")),
            ("visits", _("Site visits")),
            ("kpis", _("KPI results")),
            ("pilots", _("Pilot-unit reports")),
            ("savings", _("Savings and cost")),
            ("definitions", _("Definitions")),
            ("appendix", _("Appendix: enterprises")),
        ],
        "cover_title": place,
        "cover_subtitle": _("Provincial summary · %(period)s") % {"period": label},
        "header_left": _("Provincial summary"),
        "header_right": f"{place} · {label}",
    }


PROVINCE = register(
    Kind(
        key="province",
        template="reports/pdf/province.html",
        may_request=may_request,
        clean=clean,
        title=title,
        gather=gather,
        filename=filename,
    )
)
