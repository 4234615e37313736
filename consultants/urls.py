from django.urls import path

from . import views

app_name = "consultants"
urlpatterns = [
    path("consultants/", views.ConsultantListView.as_view(), name="list"),
    path("consultants/new/", views.ConsultantFormView.as_view(), name="create"),
    path("consultants/<int:pk>/", views.ConsultantFormView.as_view(), name="edit"),
    path("enrolments/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="end"),
    path("visits/", views.VisitListView.as_view(), name="visits"),
    path("visits/plan/", views.VisitPlanView.as_view(), name="visit_plan"),
    path("visits/<int:pk>/", views.VisitRecordView.as_view(), name="visit"),
    path("visits/calendar/reset/", views.CalendarResetView.as_view(), name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
]
