"""The portal's form renderer writes the commonest widgets in Python (score_portal.form_renderer):
the HTML must be exactly what Django's widget templates give, for every kind of field and value,
and on the portal's real pages with their forms."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django import forms
from django.core.management import call_command
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from consultants.models import ImprovementAction, Visit
from enterprises.models import Enterprise, Province
from modules.models import ClassroomSession, Enrolment
from score_portal.form_renderer import RAW, FastWidgetRenderer
from score_portal.forms import StyledFormMixin
from score_portal.models import User

DJANGO = DjangoTemplates()
FAST = FastWidgetRenderer()


class EveryWidget(StyledFormMixin, forms.Form):
    text = forms.CharField(max_length=20, help_text="help")
    optional = forms.CharField(required=False)
    number = forms.IntegerField(min_value=0)
    decimal = forms.DecimalField(max_digits=8, decimal_places=2)
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField()
    hour = forms.TimeField()
    tick = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-autosave": True, "disabled": False}))
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("b", gettext_lazy("Province"))])
    grouped = forms.ChoiceField(
        choices=[("", "All"), ("Group <1>", [("x", "X"), ("y", 'Y "quoted"')]), ("z", "Z")], required=False
    )
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")], required=False)
    maybe = forms.NullBooleanField(required=False)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name <or> code"}))
    safe = forms.CharField(widget=forms.TextInput(attrs={"title": mark_safe("<b>kept</b>")}))
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("m", "Management"), ("w", "Worker & co")])
    ticks = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=[("Side <a>", [("1", "one"), ("2", "two")]), ("3", gettext_lazy("Province"))],
        required=False,
    )
    unwrapped = forms.ChoiceField(widget=forms.RadioSelect(attrs={"id": ""}), choices=[("a", "A")], required=False)
    file = forms.FileField(required=False)
    born = forms.DateField(widget=forms.SelectDateWidget(years=[2025, 2026]), required=False)


VALUES = [
    {},
    {
        "text": "Ünïcode <script>alert(\"x\")</script> & 'quotes'",
        "number": "12",
        "decimal": "1234.50",
        "email": "a@example.org",
        "url": "https://example.org/?a=1&b=2",
        "day": "2026-11-23",
        "when": "2026-11-23 10:30",
        "hour": "10:30",
        "tick": "on",
        "secret": "p<w>d",
        "hidden": "h&h",
        "notes": "line one\nline <two>",
        "choice": "a",
        "grouped": "y",
        "many": ["1", "3"],
        "maybe": "true",
        "search": "杭州",
        "safe": "",
        "radio": "w",
        "ticks": ["2", "3"],
        "born_year": "2026",
        "born_month": "11",
        "born_day": "23",
    },
    {"number": "not a number", "choice": "nope", "many": ["9"], "notes": ""},
]


class KeptFile:
    """A file already kept, as a FieldFile shows it: its name and address."""

    url = "/files/report <1>.pdf"

    def __str__(self):
        return "report <1>.pdf"


INITIAL = {
    "file": KeptFile(),
    "text": "initial",
    "number": 7,
    "decimal": Decimal("2.50"),
    "day": datetime.date(2026, 1, 2),
    "when": datetime.datetime(2026, 1, 2, 3, 4),
    "tick": True,
    "maybe": False,
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("data", VALUES)
def test_every_widget_is_the_html_of_djangos_templates(data, language):
    with override(language):
        for bound in (EveryWidget(data or None), EveryWidget(initial=INITIAL)):
            for field in bound:
                widget = field.field.widget
                context = widget.get_context(field.html_name, field.value(), field.build_widget_attrs(widget.attrs))
                assert FAST.render(widget.template_name, context) == DJANGO.render(widget.template_name, context)


def test_a_template_it_does_not_write_goes_through_djangos_templates():
    assert "django/forms/widgets/select_date.html" not in RAW
    dates = forms.SelectDateWidget(years=[2026])
    context = dates.get_context("d", "2026-11-23", {"id": "id_d"})
    assert FAST.render(dates.template_name, context) == DJANGO.render(dates.template_name, context)
    assert 'name="d_year"' in FAST.render(dates.template_name, context)


def test_a_file_input_with_a_kept_file_shows_its_link_and_clear_box_as_django_does():
    for required in (False, True):
        widget = forms.ClearableFileInput()
        widget.is_required = required
        context = widget.get_context("file", KeptFile(), {"id": "id_file", "class": "form-control"})
        fast = FAST.render(widget.template_name, context)
        assert fast == DJANGO.render(widget.template_name, context)
        assert '<a href="/files/report &lt;1&gt;.pdf">report &lt;1&gt;.pdf</a>' in fast
        assert ('name="file-clear"' in fast) is not required
    empty = forms.ClearableFileInput().get_context("file", None, {"id": "id_file"})
    empty_html = FAST.render("django/forms/widgets/clearable_file_input.html", empty)
    assert empty_html == '<input type="file" name="file" id="id_file">'


def test_an_option_template_it_does_not_write_is_included_as_django_would():
    class Fancy(forms.RadioSelect):
        option_template_name = "django/forms/widgets/attrs.html"  # not written out here

    widget = Fancy(choices=[("a", "A <b>")])
    context = widget.get_context("f", "a", {"id": "id_f"})
    assert FAST.render(widget.template_name, context) == DJANGO.render(widget.template_name, context)


def test_the_portal_uses_it():
    form = EveryWidget()
    assert isinstance(form.renderer, FastWidgetRenderer)


CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+|("X-CSRFToken": ")[^"]+')


@pytest.mark.django_db
def test_the_portals_pages_with_forms_are_the_same_with_djangos_renderer(settings, tmp_path, client_for):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    enterprise = Enterprise.objects.filter(province__code="ZJ").order_by("pk").first()
    visit = Visit.objects.filter(enrolment__enterprise__province__code="ZJ").order_by("-pk").first()
    session = ClassroomSession.objects.order_by("pk").first()
    enrolment = Enrolment.objects.filter(enterprise=enterprise).first() or Enrolment.objects.first()
    zj = Province.objects.get(code="ZJ")
    assert ImprovementAction.objects.exists()
    pages = {
        "admin@score.demo": [
            "/",
            "/users/",
            f"/users/{User.objects.get(email='coordinator.zj@score.demo').pk}/",
            "/audit/",
            "/dashboard/completeness/",
            "/reports/province/",
            "/modules/",
            "/modules/new/",
            "/users/invite/",
            "/pilot-reports/rule/",
            "/consultants/new/",
        ],
        "coordinator.zj@score.demo": [
            "/enterprises/?status=active",
            "/enterprises/new/",
            f"/enterprises/{enterprise.pk}/",
            f"/enterprises/{enterprise.pk}/edit/",
            f"/enterprises/{enterprise.pk}/?tab=eit",
            f"/enterprises/{enterprise.pk}/?tab=modules",
            "/progress/",
            "/training/",
            "/training/new/",
            f"/training/{session.pk}/",
            f"/training/{session.pk}/edit/",
            f"/enterprises/{enterprise.pk}/enrol/",
            f"/enterprises/{enterprise.pk}/eit/new/",
            f"/enterprises/{enterprise.pk}/kpis/new/",
            f"/enrolments/{enrolment.pk}/",
            f"/visits/{visit.pk}/",
            "/actions/",
            "/consultants/",
            f"/pilot-reports/?province={zj.pk}",
            "/visits/plan/",
        ],
        "consultant1@score.demo": ["/", f"/visits/{visit.pk}/", "/visits/", "/actions/"],
    }
    checked = 0
    for email, urls in pages.items():
        client = client_for(User.objects.get(email=email))
        for url in urls:
            settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
            assert type(get_default_renderer()) is DjangoTemplates
            expected = client.get(url)
            settings.FORM_RENDERER = "score_portal.form_renderer.FastWidgetRenderer"
            assert type(get_default_renderer()) is FastWidgetRenderer
            fast = client.get(url)
            assert fast.status_code == expected.status_code, url
            if expected.status_code != 200:
                continue
            assert CSRF.sub(r"\1\2", fast.content.decode()) == CSRF.sub(r"\1\2", expected.content.decode()), url
            checked += 1
    assert checked >= 20
