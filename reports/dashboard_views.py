from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views import View

from enterprises.spreadsheets import xlsx_cell
from score_portal.access import RoleRequiredMixin

from .dashboard import BUILDERS, Chart, DashboardFilterForm, blocks_for, body_for, find_block


def dashboard_context(request):
    """The dashboard of the signed-in user's role, for the filters in the query string."""
    form = DashboardFilterForm(request.GET or None, user=request.user)
    provinces, module, start, end, period = form.values()
    # Read only when needed (an export, or the HTML not cached): a cached page costs one lookup.
    blocks = SimpleLazyObject(lambda: blocks_for(request.user, form))
    query = request.GET.urlencode()
    return {
        "form": form,
        "blocks": blocks,
        "body": body_for(request.user, form, blocks=blocks, start=start, end=end, query=query),
        "start": start,
        "end": end,
        "query": query,
        "has_dashboard": request.user.role in BUILDERS,
    }


class DashboardView(RoleRequiredMixin, View):
    """The dashboard alone: its body for htmx when a filter changes, a table as .xlsx, or the
    whole page (the drill-down links open it with a province chosen)."""

    def get(self, request):
        if request.user.role not in BUILDERS:
            raise Http404
        context = dashboard_context(request)
        if key := request.GET.get("export"):
            block = find_block(context["blocks"], key)
            if block is None:
                raise Http404
            return xlsx_response(block, context)
        if request.htmx:
            return HttpResponse(context["body"])
        return render(request, "reports/dashboard/page.html", context)


def xlsx_response(table, context):
    """The numbers behind a chart or a list, exactly as the page shows them."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(table.title)[:31].replace("/", "-") or "Sheet"
    sheet.append([xlsx_cell(str(h)) for h in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([v if isinstance(v, int | float) else xlsx_cell("" if v is None else str(v)) for v in row])
    if table.definition:
        sheet.append([])
        sheet.append([xlsx_cell(str(table.definition))])
    sheet.freeze_panes = "A2"
    out = BytesIO()
    workbook.save(out)
    name = f"{table.key}-{context['start']:%Y%m%d}-{context['end']:%Y%m%d}.xlsx"
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def dashboard_panel(request):
    return dashboard_context(request)


__all__ = ["Chart", "DashboardView", "dashboard_panel"]
