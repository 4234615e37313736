from django import template

register = template.Library()


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
