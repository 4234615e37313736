from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .access import ScopedQuerySet


class ChoiceDisplayMixin:
    """``get_<field>_display()`` by one dictionary lookup. Django's own builds a dictionary of
    every choice on each call, and hashing each lazy label translates it: a list of 25 rows
    showing a sector and a status paid for some thousand translations."""

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name, overridden)
        value = getattr(self, field.attname)
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = {make_hashable(key): label for key, label in field.flatchoices}
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


_CHOICE_LABELS = {}  # field -> {value: lazy label}; the labels stay lazy, so translated when shown


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    CONSULTANT = "consultant", _("Consultant")


class UserQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        return self.filter(pk=user.pk)

    def editable_by(self, user):
        if user.is_authenticated and user.is_administrator:
            return self.all()
        return self.none()

    def invitation_pending(self):
        return self.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX)

    def count_by_role(self):
        """[(role label, count)] for every role, zeros included, in one query."""
        counts = dict(self.order_by().values_list("role").annotate(n=models.Count("pk")))
        return [(label, counts.get(value, 0)) for value, label in Role.choices]


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("role", Role.CONSULTANT)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["role"] = Role.ADMINISTRATOR
        return self._create_user(email, password, **extra)


class User(ChoiceDisplayMixin, PermissionsMixin, AbstractBaseUser):
    """A person who signs in by email. The role decides what they may do,
    their scope (provinces, assignments) what they may see."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive people cannot sign in; their records are kept."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    invited_by = models.ForeignKey(
        "self",
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "email"]
        indexes = [models.Index(fields=["role", "is_active"])]

    def __str__(self):
        return self.name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        # The Django admin site is for administrators only, and they may do everything.
        self.is_superuser = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)

    def get_full_name(self):
        return str(self)

    def get_short_name(self):
        return str(self)

    @property
    def is_staff(self):
        return self.is_active and self.role == Role.ADMINISTRATOR

    @property
    def is_administrator(self):
        return self.role == Role.ADMINISTRATOR

    @property
    def is_coordinator(self):
        return self.role == Role.COORDINATOR

    @property
    def is_consultant(self):
        return self.role == Role.CONSULTANT

    @property
    def has_signed_in(self):
        return self.last_login is not None

    @property
    def invitation_pending(self):
        return not self.has_usable_password()


class AuditEventQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.is_administrator:
            return self.all()
        return self.none()


class AuditEvent(ChoiceDisplayMixin, models.Model):
    """Who did what, when and from where: written by the services beside the change."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MFA_ADDED = "mfa_added", _("Two-factor sign-in turned on")
        MFA_REMOVED = "mfa_removed", _("Two-factor sign-in turned off")
        MFA_CODES_RENEWED = "mfa_codes_renewed", _("Recovery codes renewed")
        USER_INVITED = "user_invited", _("User invited")
        USER_UPDATED = "user_updated", _("User updated")
        ROLE_CHANGED = "role_changed", _("Role changed")
        SCOPE_CHANGED = "scope_changed", _("Scope changed")
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("Restored")
        DELETED = "deleted", _("Deleted")
        IMPORTED = "imported", _("Imported")
        EXPORTED = "exported", _("Exported")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned with a comment")
        REOPENED = "reopened", _("Reopened")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    actor_email = models.CharField(_("email used"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target_repr}"

    @property
    def target_kind(self):
        """What kind of record it is (visit, pilot-unit report…), in the reader's language."""
        from django.apps import apps

        try:
            return apps.get_model(self.target_type)._meta.verbose_name if self.target_type else ""
        except (LookupError, ValueError):
            return self.target_type

    @property
    def comment(self):
        return (self.data or {}).get("comment", "") if isinstance(self.data, dict) else ""


class BilingualNameMixin:
    """Records with ``name_en`` and ``name_zh`` show the one of the active language."""

    @property
    def name(self):
        if (get_language() or "").startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en or self.name_zh


class StoredAttachment(ChoiceDisplayMixin, models.Model):
    """A photo or PDF kept under MEDIA_ROOT and sent only by a view that asks the access policy
    (visit photos, pilot-unit report documents). Filled by ``score_portal.uploads.attachment_store``."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        PDF = "pdf", _("PDF document")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(_("file name"), max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self):
        return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(self.content_type, "")
