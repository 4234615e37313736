from django.db.models import Count, Prefetch
from django.views.generic import ListView

from score_portal.access import RoleRequiredMixin
from score_portal.models import Role, User

from .models import Province


def provinces_panel_context(request):
    coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
    provinces = Province.objects.visible_to(request.user).prefetch_related(
        Prefetch("coordinators", queryset=coordinators)
    )
    return {"provinces": provinces}


class ProvinceListView(RoleRequiredMixin, ListView):
    roles = (Role.ADMINISTRATOR,)
    template_name = "enterprises/province_list.html"

    def get_queryset(self):
        coordinators = User.objects.filter(role=Role.COORDINATOR)
        return (
            Province.objects.visible_to(self.request.user)
            .annotate(coordinator_count=Count("coordinators"))
            .prefetch_related(Prefetch("coordinators", queryset=coordinators))
        )
