from django.urls import path

from . import boards, views

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
    path("visits/<int:pk>/autosave/", views.VisitAutosaveView.as_view(), name="visit_autosave"),
    path("visits/<int:pk>/actions/", views.VisitActionAddView.as_view(), name="visit_action_add"),
    path("visits/<int:pk>/actions/<int:action_pk>/", views.VisitActionChangeView.as_view(), name="visit_action"),
    path(
        "visits/<int:pk>/actions/<int:action_pk>/delete/",
        views.VisitActionChangeView.as_view(),
        {"delete": True},
        name="visit_action_delete",
    ),
    path("visits/<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment_add"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
    path("visits/calendar/reset/", views.CalendarResetView.as_view(), name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    # action board and visit calendar (boards.py)
    path("actions/", boards.ActionBoardView.as_view(), name="actions"),
    path("actions/<int:pk>/", boards.ActionUpdateView.as_view(), name="action_update"),
    path("visits/calendar/", boards.VisitCalendarView.as_view(), name="visit_calendar"),
]
