"""The action board's rows written out in Python: 25 rows of six cells, each with a form, cost
the page more through the template than its queries did. The view works out what each row shows
(links, menus, "days late"); this writes it."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.translation import gettext

from score_portal.escaping import format_safe, join_safe

register = template.Library()

ROW = """<tr{overdue_class} data-testid="action-row">
      <td class="fw-semibold fw-md-normal">{description}</td>
      <td data-label="{t_enterprise}"><a href="{enterprise_url}">{enterprise}</a></td>
      <td data-label="{t_owner}">{owner}</td>
      <td class="text-nowrap" data-label="{t_due}">{due_on}{overdue}</td>
      <td data-label="{t_status_result}">
        {status}
      </td>
      <td class="small" data-label="{t_agreed}">
        <a href="{agreed_url}">{agreed_on} · {agreed_module}</a><br>{agreed_by}
        {updated}
      </td>
    </tr>
"""
OWNER = '{}<br><span class="small text-muted">{}</span>'
NO_OWNER = format_safe('<span class="text-muted">—</span>')
DANGER = format_safe(' class="table-danger"')
OVERDUE = '<br><span class="badge text-bg-danger" data-testid="overdue">{}</span> <span class="small">{}</span>'
FORM = """<form method="post" action="{update_url}" class="d-flex flex-wrap gap-1" data-testid="action-update"><input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
            <input type="hidden" name="next" value="{here}">
            <label class="visually-hidden" for="status-{key}">{t_status}</label>
            <select class="form-select form-select-sm w-auto" name="status" id="status-{key}">
              {status_menu}
            </select>
            <label class="visually-hidden" for="result-{key}">{t_result}</label>
            <input class="form-control form-control-sm" type="text" name="result" id="result-{key}" value="{result}" placeholder="{t_result}">
            <button class="btn btn-sm btn-outline-primary" type="submit">{t_update}</button>
          </form>"""  # noqa: E501 - one line of the page's HTML
SHOWN = '<span class="badge text-bg-light">{}</span> {}'
UPDATED = '<br><span class="text-muted">{}</span> <a href="{}">{}</a>'


@register.simple_tag
def action_rows(rows, here, csrf_token):
    """The board's rows, as prepared by ActionBoardView.get_context_data."""
    labels = {
        "t_enterprise": gettext("Enterprise"),
        "t_owner": gettext("Owner"),
        "t_due": gettext("Due"),
        "t_status_result": gettext("Status and result"),
        "t_agreed": gettext("Agreed on the visit"),
    }
    t_status, t_result, t_update = gettext("Status"), gettext("Result"), gettext("Update")
    t_overdue, t_last_updated = gettext("Overdue"), gettext("Last updated on the visit of")
    csrf = str(csrf_token)
    written = []
    for a in rows:
        owner = format_safe(OWNER, a.owner.name, a.owner.get_side_display()) if a.owner else NO_OWNER
        if a.can_update:
            status = format_safe(
                FORM,
                update_url=a.update_url,
                csrf=csrf,
                here=here,
                key=a.key,
                t_status=t_status,
                status_menu=a.status_menu,
                t_result=t_result,
                result=a.result,
                t_update=t_update,
            )
        else:
            status = format_safe(SHOWN, a.get_status_display(), a.result)
        written.append(
            format_safe(
                ROW,
                overdue_class=DANGER if a.overdue else "",
                description=linebreaksbr(a.description, autoescape=True),
                enterprise_url=a.enterprise_url,
                enterprise=a.enterprise.name,
                owner=owner,
                due_on=a.due_on.isoformat(),
                overdue=format_safe(OVERDUE, t_overdue, a.days_late) if a.overdue else "",
                status=status,
                agreed_url=a.agreed_url,
                agreed_on=a.agreed_on,
                agreed_module=a.agreed_module,
                agreed_by=a.agreed_by,
                updated=format_safe(UPDATED, t_last_updated, a.updated_url, a.updated_on) if a.updated_on else "",
                **labels,
            )
        )
    return join_safe(written)
