"""The portal's URLs plus the benchmark's floor: the least a signed-in page can cost here
(session, user, middleware), against which every key page is compared."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from score_portal.urls import urlpatterns as portal


@login_required
def floor(request):
    return HttpResponse(f"signed in as {request.user.email}")


urlpatterns = [path("bench-floor/", floor), *portal]
