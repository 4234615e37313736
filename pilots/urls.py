import datetime

from django.urls import path, register_converter

from . import views


class PeriodStartConverter:
    """A period's first day in the address, as YYYY-MM-DD."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return datetime.date.fromisoformat(value)  # a ValueError (2026-02-30) answers 404

    def to_url(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)


register_converter(PeriodStartConverter, "pilot_period")

app_name = "pilots"
urlpatterns = [
    path("pilot-reports/", views.DueListView.as_view(), name="due"),
    path("pilot-reports/rule/", views.ReportingRuleView.as_view(), name="rule"),
    path("pilot-reports/<int:unit_pk>/<pilot_period:period_start>/", views.PilotReportView.as_view(), name="report"),
    path(
        "pilot-reports/<int:unit_pk>/<pilot_period:period_start>/attachments/",
        views.AttachmentAddView.as_view(),
        name="attachment_add",
    ),
    path("pilot-reports/attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("pilot-reports/attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
]
