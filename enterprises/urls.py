from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("provinces/", views.ProvinceListView.as_view(), name="provinces"),
    path("enterprises/", views.EnterpriseListView.as_view(), name="list"),
    path("enterprises/new/", views.EnterpriseFormView.as_view(), name="create"),
    path("enterprises/export.<str:fmt>", views.EnterpriseExportView.as_view(), name="export"),
    path("enterprises/import/", views.ImportView.as_view(), name="import"),
    path("enterprises/import/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("enterprises/import/template-<str:kind>.xlsx", views.ImportTemplateView.as_view(), name="import_template"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseFormView.as_view(), name="edit"),
    path("enterprises/<int:pk>/archive/", views.EnterpriseArchiveView.as_view(), name="archive"),
    path("enterprises/<int:pk>/restore/", views.EnterpriseArchiveView.as_view(restore=True), name="restore"),
    path("enterprises/<int:pk>/eit/new/", views.EITMemberFormView.as_view(), name="eit_add"),
    path("enterprises/<int:pk>/eit/<int:item>/", views.EITMemberFormView.as_view(), name="eit_edit"),
    path("enterprises/<int:pk>/eit/<int:item>/leave/", views.EITMemberLeaveView.as_view(), name="eit_leave"),
    path("enterprises/<int:pk>/meetings/new/", views.EITMeetingFormView.as_view(), name="meeting_add"),
    path("enterprises/<int:pk>/meetings/<int:item>/", views.EITMeetingFormView.as_view(), name="meeting_edit"),
    path("enterprises/<int:pk>/suggestions/new/", views.SuggestionFormView.as_view(), name="suggestion_add"),
    path("enterprises/<int:pk>/suggestions/<int:item>/", views.SuggestionFormView.as_view(), name="suggestion_edit"),
]
