from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("provinces/", views.ProvinceListView.as_view(), name="provinces"),
]
