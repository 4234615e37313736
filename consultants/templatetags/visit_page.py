"""The visit page's repeated parts written out in Python: each action on the page carries its own
form, and as an included template per action they cost the page more than its queries."""

from django import template
from django.utils.translation import gettext, pgettext

from score_portal.escaping import format_safe
from score_portal.templatetags.portal import options

register = template.Library()

FULL = """<div class="mb-2">
  <label class="form-label small" for="{p}-description">{action_label}</label>
  <textarea class="form-control" id="{p}-description" name="{p}-description" rows="2" required>{description}</textarea>
</div>
<div class="row g-2 mb-2">
  <div class="col-12 col-sm-6">
    <label class="form-label small" for="{p}-owner">{owner_label}</label>
    <select class="form-select" id="{p}-owner" name="{p}-owner">
      <option value="">—</option>
      {owners}
    </select>
  </div>
  <div class="col-12 col-sm-6">
    <label class="form-label small" for="{p}-due_on">{due_label}</label>
    <input class="form-control" type="date" id="{p}-due_on" name="{p}-due_on" value="{due_on}" required>
  </div>
</div>
"""

STATUS = """<div class="row g-2 mb-2">
  <div class="col-12 col-sm-4">
    <label class="form-label small" for="{p}-status">{status_label}</label>
    <select class="form-select" id="{p}-status" name="{p}-status">
      {statuses}
    </select>
  </div>
  <div class="col-12 col-sm-8">
    <label class="form-label small" for="{p}-result">{result_label}</label>
    <textarea class="form-control" id="{p}-result" name="{p}-result" rows="1">{result}</textarea>
  </div>
</div>"""


@register.simple_tag
def action_fields(action, full, owner_options, statuses):
    """One action's fields, named as ActionForm (``full``: the whole action, agreed on this
    visit) or ActionUpdateForm (its status and result, for an earlier one) expect them with the
    prefix "a<pk>"; the menus' choices come from the page, so each action costs no query."""
    prefix = f"a{int(action.pk)}"
    status = format_safe(
        STATUS,
        p=prefix,
        status_label=gettext("Status"),
        statuses=options(statuses, action.status),
        result_label=gettext("Result"),
        result=action.result,
    )
    if not full:
        return status
    return format_safe(
        FULL + "{status}",
        p=prefix,
        action_label=pgettext("improvement action", "Action"),
        description=action.description,
        owner_label=gettext("Owner"),
        owners=options(owner_options, action.owner_id),
        due_label=gettext("Due"),
        due_on=action.due_on.isoformat() if action.due_on else "",
        status=status,
    )
