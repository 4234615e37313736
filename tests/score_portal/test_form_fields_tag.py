"""{% form_fields %} writes a form in the portal's layout in Python. Its HTML must be what the
template loop it replaced gave (kept here as the reference), for every kind of field, bound or
not, with errors of the fields and of the whole form, in both languages."""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils.translation import override

from score_portal.templatetags.portal import form_fields
from tests.score_portal.test_form_renderer import INITIAL, VALUES, EveryWidget

REFERENCE = Template(
    """{% load portal %}{% for field in form.hidden_fields %}{{ field }}{% endfor %}
{% if form.non_field_errors %}<div class="alert alert-danger" role="alert">{{ form.non_field_errors }}</div>{% endif %}
{% for field in fields|default:form.visible_fields %}
  <div class="mb-3">
    {% if field.widget_type == "checkbox" %}
      <div class="form-check">
        {% field_widget field %}
        <label class="form-check-label" for="{{ field.id_for_label }}">{{ field.label }}</label>
      </div>
    {% elif field.widget_type == "checkboxselectmultiple" or field.widget_type == "radioselect" %}
      <fieldset>
        <legend class="form-label fs-6">{{ field.label }}</legend>
        <div class="checkbox-grid">{% for choice in field %}<div class="form-check">{{ choice.tag }}
          <label class="form-check-label" for="{{ choice.id_for_label }}">{{ choice.choice_label }}</label>
        </div>{% endfor %}</div>
      </fieldset>
    {% else %}
      <label class="form-label" for="{{ field.id_for_label }}">{{ field.label }}{% if field.field.required %}
        <span class="text-danger" aria-hidden="true">*</span>{% endif %}</label>
      {% field_widget field %}
    {% endif %}
    {% if field.help_text %}<div class="form-text">{{ field.help_text }}</div>{% endif %}
    {% for error in field.errors %}<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}
  </div>
{% endfor %}"""
)


def same_html(text):
    """Whitespace between elements is not part of what a browser shows."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(text))).strip()


class WithFormErrors(EveryWidget):
    def clean(self):
        raise forms.ValidationError("The dates <and> the number disagree & more.")


def forms_to_compare():
    for data in VALUES:
        yield EveryWidget(data or None)
        yield WithFormErrors(data or None)
    yield EveryWidget(initial=INITIAL)
    yield EveryWidget(auto_id=False)
    yield EveryWidget(prefix="new")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_form_fields_is_the_html_of_the_template_loop(language):
    with override(language):
        for form in forms_to_compare():
            form.is_bound and form.is_valid()
            expected = REFERENCE.render(Context({"form": form}))
            assert same_html(form_fields(form)) == same_html(expected)
            some = [form["text"], form["tick"], form["ticks"], form["radio"]]
            expected = REFERENCE.render(Context({"form": form, "fields": some}))
            assert same_html(form_fields(form, some)) == same_html(expected)


def test_what_it_writes_is_escaped():
    form = WithFormErrors({"text": "<script>x</script>"})
    form.is_valid()
    html = form_fields(form)
    assert "<script>" not in html and "The dates &lt;and&gt; the number disagree &amp; more." in html
    assert 'value="&lt;script&gt;x&lt;/script&gt;"' in html
