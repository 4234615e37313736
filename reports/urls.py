from django.urls import path

from . import dashboard_views, views
from .completeness import CompletenessView
from .province_views import ProvinceSummaryView

app_name = "reports"
urlpatterns = [
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path("reports/", views.JobListView.as_view(), name="list"),
    path("reports/<int:pk>/", views.JobView.as_view(), name="job"),
    path("reports/<int:pk>/progress/", views.JobProgressView.as_view(), name="progress"),
    path("reports/<int:pk>/download/", views.JobDownloadView.as_view(), name="download"),
    path("reports/<int:pk>/retry/", views.JobRetryView.as_view(), name="retry"),
    path("reports/enterprise/<int:pk>/", views.EnterpriseReportView.as_view(), name="enterprise"),
    # provincial summary (province_views.py)
    path("reports/province/", ProvinceSummaryView.as_view(), name="province"),
    # completeness (completeness.py)
    path("dashboard/completeness/", CompletenessView.as_view(), name="completeness"),
]
