from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from score_portal.access import ScopedQuerySet
from score_portal.models import BilingualNameMixin


class ProvinceQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_coordinator:
            return self.filter(coordinators=user)
        return self.none()

    def editable_by(self, user):
        if user.is_authenticated and user.is_administrator:
            return self.all()
        return self.none()


class Province(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="provinces",
        blank=True,
        limit_choices_to={"role": "coordinator"},
    )

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self):
        return self.name
