from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView
from django.views.i18n import set_language

from . import services
from .access import RoleRequiredMixin, get_editable_or_404
from .datacache import cached_html
from .forms import AuditFilterForm, InviteForm, UserFilterForm, UserForm
from .models import AuditEvent, Role, User
from .registry import registry

ADMIN_ONLY = (Role.ADMINISTRATOR,)


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        panels = []
        for panel in registry.panels:
            if user.role not in panel.roles:
                continue
            if panel.cached:
                parts = [user.pk, user.role, get_language(), timezone.localdate()]
                html = cached_html(parts, panel.template, lambda panel=panel: self.panel_context(panel), self.request)
                panels.append({"html": html})
            else:
                panels.append(self.panel_context(panel)["panel"])
        return super().get_context_data(panels=panels, **kwargs)

    def panel_context(self, panel):
        return {"panel": {"template": panel.template, **panel.context(self.request)}}


def switch_language(request):
    """Django's set_language, plus the choice saved on the signed-in user so it follows them."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


class UserListView(RoleRequiredMixin, ListView):
    roles = ADMIN_ONLY
    template_name = "users/list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filters = UserFilterForm(self.request.GET or None)
        qs = User.objects.visible_to(self.request.user)
        if self.filters.is_valid():
            if q := self.filters.cleaned_data["q"].strip():
                qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q))
            if role := self.filters.cleaned_data["role"]:
                qs = qs.filter(role=role)
        # "provinces" is the coordinators' scope, kept by the enterprises app (a reverse relation).
        return qs.order_by("name", "email").prefetch_related("provinces")

    def get_context_data(self, **kwargs):
        role_counts = User.objects.visible_to(self.request.user).count_by_role()
        return super().get_context_data(filters=self.filters, role_counts=role_counts, **kwargs)


class UserFormMixin(RoleRequiredMixin):
    roles = ADMIN_ONLY
    template_name = "users/form.html"
    form_class = UserForm
    service = None
    instance = None

    def get_scope_forms(self, data=None):
        return [cls(data=data, instance=self.instance, prefix=cls.prefix) for cls in registry.scope_forms]

    def render(self, form, scope_forms):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "scope_forms": scope_forms,
                "object": self.instance,
                # Cancel goes back to the filtered list it came from, never to another site.
                "cancel_url": next_url(self.request, reverse("users:list")),
            },
        )

    def get(self, request, *args, **kwargs):
        return self.render(self.form_class(instance=self.instance), self.get_scope_forms())

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, instance=self.instance)
        scope_forms = self.get_scope_forms(request.POST)
        if form.is_valid() and all(f.is_valid_for(form.cleaned_data["role"]) for f in scope_forms):
            user = type(self).service(actor=request.user, form=form, scope_forms=scope_forms, request=request)
            messages.success(request, self.success_message.format(name=user))
            return redirect(next_url(request, reverse("users:list")))
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
        return self.render(form, scope_forms)


class UserInviteView(UserFormMixin, View):
    form_class = InviteForm
    service = staticmethod(services.user_invite)

    @property
    def success_message(self):
        return _("{name} has been invited; the email with the set-password link is on its way.")


class UserUpdateView(UserFormMixin, View):
    service = staticmethod(services.user_update)

    @property
    def success_message(self):
        return _("Changes to {name} saved.")

    def dispatch(self, request, *args, **kwargs):
        # The role is checked first (403), as on every user page; only then the person (404).
        if request.user.is_authenticated and request.user.role in self.roles:
            self.instance = get_editable_or_404(User.objects, request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class UserReinviteView(RoleRequiredMixin, View):
    roles = ADMIN_ONLY

    def post(self, request, pk):
        user = get_editable_or_404(User.objects, request.user, pk=pk)
        if not user.invitation_pending:
            messages.error(request, _("{name} has already set a password.").format(name=user))
        elif not user.is_active:
            messages.error(
                request, _("{name} is inactive: make the account active before inviting again.").format(name=user)
            )
        else:
            services.user_reinvite(actor=request.user, user=user, request=request)
            messages.success(request, _("The invitation to {name} has been sent again.").format(name=user))
        return redirect("users:edit", pk=user.pk)


class AuditLogView(RoleRequiredMixin, ListView):
    roles = ADMIN_ONLY
    template_name = "audit/list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filters = AuditFilterForm(self.request.GET or None)
        qs = AuditEvent.objects.visible_to(self.request.user).select_related("actor")
        if self.filters.is_valid():
            data = self.filters.cleaned_data
            if q := data["q"].strip():
                qs = qs.filter(
                    Q(actor_email__icontains=q)
                    | Q(target_repr__icontains=q)
                    | Q(actor__name__icontains=q)
                    | Q(ip_address__startswith=q)
                )
            if data["action"]:
                qs = qs.filter(action=data["action"])
            if data["date_from"]:
                qs = qs.filter(created_at__date__gte=data["date_from"])
            if data["date_to"]:
                qs = qs.filter(created_at__date__lte=data["date_to"])
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


def next_url(request, default):
    """Back to where the user came from (a filtered list), if that is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    # A path on this site only: redirect() would take "a:b" for a URL name and fail.
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure())
    ):
        return candidate
    return default


def admin_home_context(request):
    users = User.objects.visible_to(request.user).filter(is_active=True)
    return {
        "role_counts": users.count_by_role(),
        "pending_invitations": users.invitation_pending().count(),
        "recent_events": AuditEvent.objects.visible_to(request.user).select_related("actor")[:5],
    }


def own_account_context(request):
    from allauth.mfa.utils import is_mfa_enabled

    return {"account": request.user, "mfa_enabled": is_mfa_enabled(request.user)}
