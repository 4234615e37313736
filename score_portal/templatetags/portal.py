from django import template
from django.utils.html import format_html, format_html_join

from score_portal.links import reverse_once

register = template.Library()

_MARK = "2147483646"  # an argument that appears nowhere else in a reversed URL
OPTION = '<option value="{}">{}</option>'
SELECTED = '<option value="{}" selected>{}</option>'


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced: pagination and
    sorting keep the user's filters."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag
def field_widget(bound_field):
    """A form field's widget with the layout's classes, for forms the project
    does not own (allauth's) as well as its own."""
    widget = bound_field.field.widget
    css = widget.attrs.get("class", "")
    if not css:
        kind = bound_field.widget_type
        if kind in {"checkbox", "checkboxselectmultiple", "radioselect"}:
            css = "form-check-input"
        elif kind in {"select", "selectmultiple", "nullbooleanselect"}:
            css = "form-select"
        else:
            css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    return bound_field.as_widget(attrs={"class": css})


@register.simple_tag
def pk_url(name, pk):
    """``{% url name pk %}`` for a pattern whose only argument is an integer key, for long lists:
    the pattern is reversed once (per URL configuration and prefix), then the key filled in. A
    page of 25 rows with three links each asked the resolver 75 times."""
    return reverse_once(name, int(_MARK)).replace(_MARK, str(int(pk)), 1)


@register.simple_tag
def options(choices, selected):
    """The ``<option>`` elements of a select written out in a template, for ``choices`` as
    (value, label) pairs with ``selected`` chosen: one call per select in a list of rows, where
    a template loop per option cost more than the rest of the row."""
    chosen = "" if selected is None else str(selected)
    rows = ((format_html(SELECTED if str(value) == chosen else OPTION, value, label),) for value, label in choices)
    return format_html_join("", "{}", rows)
