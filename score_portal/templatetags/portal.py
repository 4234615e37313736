from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString

from score_portal.escaping import format_safe, join_safe

register = template.Library()

_MARK = 2147483646  # keys counting down from it appear nowhere else in a reversed URL
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


REQUIRED = SafeString(' <span class="text-danger" aria-hidden="true">*</span>')
ERROR = '<div class="invalid-feedback d-block">{}</div>'
CHOICE = '<div class="form-check">{}<label class="form-check-label" for="{}">{}</label></div>'


@register.simple_tag
def form_fields(form, fields=None):
    """A form's fields in the portal's layout (label, widget, help, errors; a fieldset for
    checkboxes and radios), its hidden fields and the errors of the whole form: ``fields``, or
    the visible ones. Written in Python: as a template loop it cost the visit page more than the
    template of the rest of the page."""
    parts = list(form.hidden_fields())
    errors = form.non_field_errors()
    if errors:
        parts.append(format_safe('\n<div class="alert alert-danger" role="alert">{}</div>', errors))
    for field in fields or form.visible_fields():
        kind = field.widget_type
        if kind == "checkbox":
            body = format_safe(CHOICE, field_widget(field), field.id_for_label, field.label)
        elif kind in ("checkboxselectmultiple", "radioselect"):
            choices = join_safe(
                format_safe(CHOICE, choice.tag(), choice.id_for_label, choice.choice_label) for choice in field
            )
            body = format_safe(
                '<fieldset><legend class="form-label fs-6">{}</legend><div class="checkbox-grid">{}</div></fieldset>',
                field.label,
                choices,
            )
        else:
            body = format_safe(
                '<label class="form-label" for="{}">{}{}</label>\n{}',
                field.id_for_label,
                field.label,
                REQUIRED if field.field.required else "",
                field_widget(field),
            )
        help_text = format_safe('<div class="form-text">{}</div>', field.help_text) if field.help_text else ""
        field_errors = join_safe(format_safe(ERROR, error) for error in field.errors)
        parts.append(format_safe('\n<div class="mb-3">{}{}{}</div>', body, help_text, field_errors))
    return join_safe(parts)


@register.simple_tag
def pk_url(name, *pks):
    """``{% url name pk… %}`` for a pattern whose arguments are all integer keys, for long lists:
    the pattern is reversed once (per URL configuration and prefix), then the keys filled in. A
    page of 25 rows with three links each asked the resolver 75 times."""
    pieces = _url_pieces(name, len(pks), get_urlconf(), get_script_prefix())
    out = [pieces[0]]
    for pk, piece in zip(pks, pieces[1:], strict=True):
        out.append(str(int(pk)))
        out.append(piece)
    return "".join(out)


@lru_cache(maxsize=512)
def _url_pieces(name, count, urlconf, prefix):
    # The URL reversed with a mark for each key, cut at the marks: the text around the keys.
    marks = [str(_MARK - n) for n in range(count)]
    url = reverse(name, args=[int(mark) for mark in marks], urlconf=urlconf)  # kept here, once
    pieces = []
    for mark in marks:
        before, found, url = url.partition(mark)
        if not found:
            raise ValueError(f"{name} does not show its key {mark} in its address")
        pieces.append(before)
    return (*pieces, url)


@register.simple_tag
def options(choices, selected):
    """The ``<option>`` elements of a select written out in a template, for ``choices`` as
    (value, label) pairs with ``selected`` chosen: one call per select in a list of rows, where
    a template loop per option cost more than the rest of the row."""
    chosen = "" if selected is None else str(selected)
    return join_safe(
        format_safe(SELECTED if str(value) == chosen else OPTION, value, label) for value, label in choices
    )
