from django.urls import path

from . import views

app_name = "modules"
urlpatterns = [
    path("modules/", views.ModuleListView.as_view(), name="catalogue"),
    path("modules/new/", views.CatalogueFormView.as_view(), name="module_add"),
    path("modules/<int:pk>/", views.CatalogueFormView.as_view(), name="module_edit"),
    path("modules/kpis/new/", views.IndicatorFormView.as_view(), name="indicator_add"),
    path("modules/kpis/<int:pk>/", views.IndicatorFormView.as_view(), name="indicator_edit"),
    path("modules/practices/new/", views.PracticeFormView.as_view(), name="practice_add"),
    path("modules/practices/<int:pk>/", views.PracticeFormView.as_view(), name="practice_edit"),
    path("progress/", views.ProgressMatrixView.as_view(), name="matrix"),
    path("progress/export.xlsx", views.ProgressMatrixExportView.as_view(), name="matrix_export"),
    path("training/", views.SessionListView.as_view(), name="sessions"),
    path("training/new/", views.SessionFormView.as_view(), name="session_add"),
    path("training/<int:pk>/", views.SessionDetailView.as_view(), name="session"),
    path("training/<int:pk>/edit/", views.SessionFormView.as_view(), name="session_edit"),
    path("training/<int:pk>/attendance.pdf", views.AttendanceSheetView.as_view(), name="attendance_pdf"),
    path("enterprises/<int:pk>/enrol/", views.EnrolmentCreateView.as_view(), name="enrol"),
    path("enterprises/<int:pk>/kpis/new/", views.MeasurementCreateView.as_view(), name="kpi_add"),
    path("enterprises/<int:pk>/practices/", views.PracticeAssessView.as_view(), name="practices"),
    path("enrolments/<int:pk>/", views.EnrolmentDetailView.as_view(), name="enrolment"),
]
