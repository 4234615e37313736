"""The form renderer: Django's, with its commonest widgets written out in Python.

Django renders each widget through templates: an ``<input>`` is a template that includes another
for its attributes, and a ``<select>`` includes one template per ``<option>``. A filter bar of six
selects, or the visit record, spent more time there than in all its queries. The widgets below
give exactly the HTML of Django's own widget templates, which this renderer reads and no app of
the portal overrides (``tests/score_portal/test_form_renderer.py`` renders every kind of widget and
the portal's pages with forms both ways and compares them, so a Django upgrade that changes a
template fails there); any other template goes through Django's templates as before.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.safestring import SafeData

CONTEXT = Context()  # autoescaping, the settings' localisation and time zone: a template's defaults

WIDGETS = "django/forms/widgets/"
# The input types whose template is only ``{% include "django/forms/widgets/input.html" %}``.
INPUTS = (
    "input",
    "text",
    "number",
    "email",
    "url",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "checkbox",
    "search",
    "tel",
    "color",
)


def text(value):
    """``{{ value|stringformat:'s' }}`` under autoescaping."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))  # what Django's escape() does, without its lazy-text wrapper


def shown(value):
    """``{{ value }}`` under autoescaping."""
    if type(value) is str:  # plain text: nothing to localise, escaped as Django escapes it
        return html.escape(value)
    return render_value_in_context(value, CONTEXT)


def attributes(attrs):
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {shown(name)}")
        if value is not True:
            out.append(f'="{text(value)}"')
    return "".join(out)


# Each function gives what its template gives when included: with the line end its file ends
# with. The renderer strips a widget's whole HTML, as Django's does.


def raw_input(widget):
    """input.html (and text.html, number.html…, which only include it)."""
    value = f' value="{text(widget["value"])}"' if widget["value"] is not None else ""
    return (
        f'<input type="{shown(widget["type"])}" name="{shown(widget["name"])}"{value}{attributes(widget["attrs"])}>\n'
    )


def raw_input_alias(widget):
    return raw_input(widget) + "\n"


def raw_option(widget):
    """select_option.html."""
    return f'<option value="{text(widget["value"])}"{attributes(widget["attrs"])}>{shown(widget["label"])}</option>\n'


def raw_textarea(widget):
    value = shown(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{shown(widget["name"])}"{attributes(widget["attrs"])}>\n{value}</textarea>\n'


def raw_select(widget):
    out = [f'<select name="{shown(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{shown(group_name)}">')
        for option in group_choices:
            out.append("\n  " + include(option["template_name"], option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def raw_input_option(widget):
    """input_option.html: a checkbox or radio button, in its label."""
    if not widget["wrap_label"]:
        return raw_input(widget) + "\n"
    target = widget["attrs"].get("id")
    label_for = f' for="{shown(target)}"' if target else ""
    return f"<label{label_for}>{raw_input(widget)} {shown(widget['label'])}</label>\n"


def raw_choice_option(widget):
    """checkbox_option.html and radio_option.html, which only include input_option.html."""
    return raw_input_option(widget) + "\n"


def raw_multiple_input(widget):
    """multiple_input.html: the checkboxes or radio buttons of one field."""
    attrs = widget["attrs"]
    out = ["<div"]
    if attrs.get("id"):
        out.append(f' id="{shown(attrs["id"])}"')
    if attrs.get("class"):
        out.append(f' class="{shown(attrs["class"])}"')
    out.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{shown(group)}</label>")
        for option in options:
            out.append("<div>\n    " + include(option["template_name"], option) + "</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>\n")
    return "".join(out)


def raw_clearable_file_input(widget):
    """clearable_file_input.html for a field with no file yet (the portal's uploads); a file
    already kept, with its link and "clear" box, goes through Django's template."""
    if widget["is_initial"]:
        return TEMPLATES.get_template(f"{WIDGETS}clearable_file_input.html").render({"widget": widget})
    return f'<input type="{shown(widget["type"])}" name="{shown(widget["name"])}"{attributes(widget["attrs"])}>\n'


def raw_choice_list(widget):
    """checkbox_select.html and radio.html, which only include multiple_input.html."""
    return raw_multiple_input(widget) + "\n"


RAW = {f"{WIDGETS}input.html": raw_input}
RAW.update({f"{WIDGETS}{name}.html": raw_input_alias for name in INPUTS if name != "input"})
RAW.update(
    {
        f"{WIDGETS}select.html": raw_select,
        f"{WIDGETS}select_option.html": raw_option,
        f"{WIDGETS}textarea.html": raw_textarea,
        f"{WIDGETS}input_option.html": raw_input_option,
        f"{WIDGETS}checkbox_option.html": raw_choice_option,
        f"{WIDGETS}radio_option.html": raw_choice_option,
        f"{WIDGETS}multiple_input.html": raw_multiple_input,
        f"{WIDGETS}checkbox_select.html": raw_choice_list,
        f"{WIDGETS}radio.html": raw_choice_list,
        f"{WIDGETS}file.html": raw_input_alias,
        f"{WIDGETS}clearable_file_input.html": raw_clearable_file_input,
    }
)


def include(template_name, widget):
    """``{% include template_name with widget=widget %}``."""
    raw = RAW.get(template_name)
    if raw is not None:
        return raw(widget)
    return TEMPLATES.get_template(template_name).render({"widget": widget})


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        raw = RAW.get(template_name)
        if raw is None:
            return super().render(template_name, context, request)
        return raw(context["widget"]).strip()


TEMPLATES = DjangoTemplates()  # Django's widget templates, for an option template not written out here
