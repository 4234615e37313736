"""Asking for a provincial summary: administrators pick a province (or all), a year or a
quarter and a language; the report is made in the background like every report job."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from enterprises.models import Province
from score_portal.access import RoleRequiredMixin
from score_portal.forms import StyledFormMixin
from score_portal.models import Role

from . import services
from .models import ReportJob, ReportKind
from .province import ALL, period_bounds

YEARS_BACK = 5


def period_choices(today):
    """Grouped by year, newest first: the whole year, then its quarters that have begun."""
    groups = []
    for year in range(today.year, today.year - YEARS_BACK - 1, -1):
        quarters = [q for q in (1, 2, 3, 4) if datetime.date(year, 3 * q - 2, 1) <= today]
        options = [(str(year), _("%(year)d (whole year)") % {"year": year})]
        options += [(f"{year}-Q{q}", f"{year}-Q{q}") for q in quarters]
        groups.append((str(year), options))
    return groups


def last_complete_quarter(today):
    quarter = (today.month - 1) // 3  # the quarter before the current one, 0 meaning last year's Q4
    return f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"


class ProvinceSummaryForm(StyledFormMixin, forms.Form):
    province = forms.ChoiceField(label=gettext_lazy("Province"))
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    language = forms.ChoiceField(label=gettext_lazy("Language of the report"), choices=settings.LANGUAGES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        provinces = Province.objects.visible_to(user).order_by("code")
        self.fields["province"].choices = [(ALL, _("All provinces")), *((str(p.pk), p.name) for p in provinces)]
        self.fields["period"].choices = period_choices(today)
        self.fields["period"].initial = last_complete_quarter(today)
        self.fields["language"].initial = translation.get_language()

    def params(self):
        start, end = period_bounds(self.cleaned_data["period"])
        return {"province": self.cleaned_data["province"], "start": start.isoformat(), "end": end.isoformat()}


class ProvinceSummaryView(RoleRequiredMixin, View):
    """The request form; posting it queues the report and shows its progress."""

    roles = (Role.ADMINISTRATOR,)
    template_name = "reports/province_form.html"

    def get(self, request):
        return self._page(request, ProvinceSummaryForm(user=request.user))

    def post(self, request):
        form = ProvinceSummaryForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._page(request, form)
        job, created = services.report_request(
            actor=request.user,
            kind=ReportKind.PROVINCE,
            params=form.params(),
            language=form.cleaned_data["language"],
            request=request,
        )
        if not created:
            messages.info(request, _("This report is already being made; here is its progress."))
        return redirect("reports:job", pk=job.pk)

    def _page(self, request, form):
        recent = ReportJob.objects.visible_to(request.user).filter(kind=ReportKind.PROVINCE, requested_by=request.user)
        return render(request, self.template_name, {"form": form, "recent": recent[:10]})
