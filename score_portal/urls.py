from django.contrib import admin
from django.urls import include, path

from . import views
from .health import health

users_patterns = (
    [
        path("", views.UserListView.as_view(), name="list"),
        path("invite/", views.UserInviteView.as_view(), name="invite"),
        path("<int:pk>/", views.UserUpdateView.as_view(), name="edit"),
        path("<int:pk>/reinvite/", views.UserReinviteView.as_view(), name="reinvite"),
    ],
    "users",
)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("allauth.urls")),
    path("language/", views.switch_language, name="set_language"),
    path("users/", include(users_patterns)),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("health/", health, name="health"),
    path("", include("enterprises.urls")),
    path("", include("modules.urls")),
    path("", include("consultants.urls")),
    path("", include("pilots.urls")),
    path("", include("reports.urls")),
    path("django-admin/", admin.site.urls),
]
