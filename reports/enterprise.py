"""The enterprise progress report: where one enterprise stands in the programme."""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from consultants.models import ImprovementAction, Visit, VisitStatus
from enterprises.models import Enterprise
from modules.kpi import kpi_rows
from modules.models import Enrolment, Participant

from .charts import baseline_latest_bars
from .kinds import Kind, register


def clean(params):
    return {"enterprise": int(params["enterprise"])}


def may_request(user, params):
    """Coordinators and administrators, for an enterprise they see."""
    if not (user.is_authenticated and (user.is_administrator or user.is_coordinator)):
        return False
    return Enterprise.objects.visible_to(user).filter(pk=params["enterprise"]).exists()


def title(params):
    enterprise = Enterprise.objects.filter(pk=params["enterprise"]).first()
    return _("Progress report: %(name)s") % {"name": enterprise.name if enterprise else "?"}


def filename(params):
    return f"enterprise-{params['enterprise']}-progress.pdf"


def gather(params, progress):
    enterprise = Enterprise.objects.select_related("province", "parent").get(pk=params["enterprise"])
    progress(10, _("Modules and training"))
    enrolments = list(
        Enrolment.objects.filter(enterprise=enterprise).select_related("module").order_by("module__order", "planned_on")
    )
    trained = list(
        Participant.objects.filter(enterprise=enterprise)
        .values("session__module__code", "session__starts_on", "session__ends_on")
        .annotate(
            total=Count("pk"),
            women=Count("pk", filter=Q(sex="female")),
            men=Count("pk", filter=Q(sex="male")),
            managers=Count("pk", filter=Q(side="management")),
            workers=Count("pk", filter=Q(side="worker")),
        )
        .order_by("session__starts_on")
    )
    progress(25, _("Visits and actions"))
    visits = list(
        Visit.objects.filter(enrolment__enterprise=enterprise, status__in=[VisitStatus.APPROVED, VisitStatus.SUBMITTED])
        .select_related("enrolment__module", "consultant__user")
        .order_by("held_on", "planned_at")
    )
    actions = list(
        ImprovementAction.objects.filter(
            enterprise=enterprise, visit__status__in=[VisitStatus.APPROVED, VisitStatus.SUBMITTED]
        )
        .select_related("owner")
        .order_by("status", "due_on")
    )
    progress(40, _("KPIs"))
    kpis = kpi_rows(enterprise)
    for row in kpis:
        row["bars"] = baseline_latest_bars(row)
    progress(55, _("Suggestions and savings"))
    suggestions = enterprise.suggestions.order_by("-submitted_on")
    savings = suggestions.aggregate(estimated=Sum("estimated_savings"), realised=Sum("realised_savings"))
    members = list(enterprise.eit_members.current().order_by("-is_secretary", "side", "name"))
    sections = [
        ("profile", _("Enterprise and EIT")),
        ("modules", _("SCORE modules")),
        ("visits", _("Site visits")),
        ("actions", _("Improvement actions")),
        ("kpis", _("KPIs: baseline and latest")),
        ("suggestions", _("Suggestions and savings")),
    ]
    return {
        "enterprise": enterprise,
        "members": members,
        "enrolments": enrolments,
        "trained": trained,
        "visits": visits,
        "actions": actions,
        "open_actions": sum(a.status in ("open", "in_progress") for a in actions),
        "kpis": kpis,
        "suggestions": list(suggestions[:50]),
        "suggestion_count": suggestions.count(),
        "savings": savings,
        "toc": sections,
        "cover_title": enterprise.name,
        "cover_subtitle": _("Enterprise progress report"),
        "header_left": enterprise.name,
        "header_right": enterprise.province.name,
    }


ENTERPRISE = register(
    Kind(
        key="enterprise",
        template="reports/pdf/enterprise.html",
        may_request=may_request,
        clean=clean,
        title=title,
        gather=gather,
        filename=filename,
    )
)
