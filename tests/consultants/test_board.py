"""The improvement actions board: who sees which actions, its filters and summary counts as a user
reads them, overdue actions standing out, updating an action from the board, and a query count
that does not grow with the number of actions."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from consultants.models import ImprovementAction
from score_portal.models import AuditEvent
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def action(visit, description, due_on, **fields):
    return ImprovementAction.objects.create(
        enterprise=visit.enrolment.enterprise, visit=visit, description=description, due_on=due_on, **fields
    )


def text(html):
    """The page as a reader sees it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def part(page, testid):
    """The text of the element marked data-testid=..., up to its section's end."""
    start = page.index(f'data-testid="{testid}"')
    return text(page[start : page.index("</section>", start)])


@pytest.fixture
def world(consultant1, consultant2):
    """Ningbo Valves (Zhejiang) is consultant1's, with consultant2 supporting; Hangzhou Textiles
    (Zhejiang) only consultant2's; Chengdu Foods is in Sichuan."""
    ningbo = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Ningbo Valves", name_zh="宁波阀门"))
    hangzhou = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Hangzhou Textiles"))
    chengdu = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Chengdu Foods", province=province("SC")))
    owner = EITMemberFactory(enterprise=ningbo.enterprise, name="Wang Fang", side="management")
    shared = assigned_visit(consultant1, ningbo, status="submitted", held_on=days(-20))
    draft = assigned_visit(consultant2, ningbo, role="support", status="draft")
    other = assigned_visit(consultant2, hangzhou, status="submitted")
    sichuan = assigned_visit(consultant2, chengdu, status="approved")
    return {
        "late": action(shared, "Label the spare parts shelves", days(-5), owner=owner),
        "soon": action(shared, "Train the night shift", days(3), status="in_progress"),
        "later": action(shared, "Repaint the walkways", days(40)),
        "done": action(shared, "Fix the compressor leak", days(-30), status="done", result="Leak fixed"),
        "dropped": action(shared, "Buy a new press", days(-2), status="dropped"),
        "draft": action(draft, "Draft idea not yet shared", days(-1)),
        "other": action(other, "Sort the yarn store", days(-3)),
        "sichuan": action(sichuan, "Clean the kitchen drains", days(-4)),
    }


def board(client, query=""):
    response = client.get(f"/actions/{query}")
    assert response.status_code == 200
    return response.content.decode()


def rows(page):
    """The action descriptions of the list, in order."""
    return re.findall(r'data-testid="action-row">\s*<td[^>]*>([^<]+)</td>', page)


def test_a_consultant_sees_the_actions_of_the_enterprises_assigned_to_them_only(client_for, consultant1, world):
    page = board(client_for(consultant1), "?status=all")
    assert rows(page) == [
        "Label the spare parts shelves",
        "Train the night shift",
        "Repaint the walkways",
        "Buy a new press",
        "Fix the compressor leak",
    ]
    assert "Draft idea" not in page  # consultant2's visit is still a draft
    assert "Hangzhou Textiles" not in page and "Sort the yarn store" not in page
    assert "Chengdu" not in page
    assert 'data-testid="by-consultant"' not in page and 'data-testid="by-coordinator"' not in page
    assert 'name="consultant"' not in page and 'name="province"' not in page


def test_a_coordinator_sees_nothing_of_another_province(client_for, coordinator_sc, world):
    page = board(client_for(coordinator_sc), "?status=all")
    assert rows(page) == ["Clean the kitchen drains"]
    assert "Ningbo" not in page and "Hangzhou" not in page
    assert part(page, "by-consultant").count("Deng Consultant") == 1
    assert 'data-testid="by-coordinator"' not in page and 'name="province"' not in page


def test_open_is_the_default_soonest_due_first_and_done_shows_the_most_recent_first(client_for, coordinator_zj, world):
    client = client_for(coordinator_zj)
    assert rows(board(client)) == [
        "Label the spare parts shelves",
        "Sort the yarn store",
        "Draft idea not yet shared",
        "Train the night shift",
        "Repaint the walkways",
    ]
    assert rows(board(client, "?status=done")) == ["Buy a new press", "Fix the compressor leak"]
    assert rows(board(client, "?status=overdue")) == [
        "Label the spare parts shelves",
        "Sort the yarn store",
        "Draft idea not yet shared",
    ]
    assert len(rows(board(client, "?status=all"))) == 7
    assert "3 actions found" in text(board(client, "?status=overdue"))


def test_search_over_description_and_both_names(client_for, coordinator_zj, world):
    client = client_for(coordinator_zj)
    assert rows(board(client, "?q=compressor&status=all")) == ["Fix the compressor leak"]
    assert rows(board(client, "?q=宁波&status=overdue")) == [
        "Label the spare parts shelves",
        "Draft idea not yet shared",
    ]
    assert rows(board(client, "?q=hangzhou")) == ["Sort the yarn store"]
    assert "No action here." in board(client, "?q=nothing-like-this")


def test_staff_filter_by_consultant_and_administrators_by_province(
    client_for, admin, coordinator_zj, consultant1, world
):
    cai = world["late"].visit.consultant
    page = board(client_for(coordinator_zj), f"?consultant={cai.pk}")
    assert rows(page) == ["Label the spare parts shelves", "Train the night shift", "Repaint the walkways"]
    page = board(client_for(admin), f"?province={province('SC').pk}&status=all")
    assert rows(page) == ["Clean the kitchen drains"]
    # A filter value that is not a choice is ignored rather than failing.
    assert len(rows(board(client_for(coordinator_zj), "?consultant=999999&status=nonsense&enterprise=x"))) == 5


def test_summary_counts_in_scope(client_for, admin, coordinator_zj, world):
    page = board(client_for(coordinator_zj), "?status=done")  # the summary ignores the list's filters
    assert re.search(r"Open\s*</span>\s*<span[^>]*>5<", page)
    assert re.search(r"Overdue\s*</span>\s*<span[^>]*>3<", page)
    assert "Ningbo Valves 2 4" in part(page, "by-enterprise")  # overdue, then open
    assert "Hangzhou Textiles 1 1" in part(page, "by-enterprise")
    assert part(page, "by-enterprise").index("Ningbo") < part(page, "by-enterprise").index("Hangzhou")
    assert "Cai Consultant 1 3" in part(page, "by-consultant")
    assert "Deng Consultant 2 2" in part(page, "by-consultant")
    assert "Chengdu" not in page

    page = board(client_for(admin))
    coordinators = part(page, "by-coordinator")
    assert "Zhejiang" in coordinators and "Zhou Coordinator 3 5" in coordinators
    assert "Sichuan" in coordinators and "1 1" in coordinators
    assert re.search(r"Overdue\s*</span>\s*<span[^>]*>4<", page)


def test_the_cached_summary_follows_an_action_closed_from_the_board(client_for, coordinator_zj, consultant1, world):
    coordinator = client_for(coordinator_zj)
    page = board(coordinator)
    assert re.search(r"Overdue\s*</span>\s*<span[^>]*>3<", page)
    assert "Ningbo Valves 2 4" in part(page, "by-enterprise")
    client_for(consultant1).post(f"/actions/{world['late'].pk}/", {"status": "done", "result": "Shelves labelled"})
    page = board(coordinator)  # the summary was cached; closing the action must show at once
    assert re.search(r"Overdue\s*</span>\s*<span[^>]*>2<", page)
    assert re.search(r"Open\s*</span>\s*<span[^>]*>4<", page)
    assert "Ningbo Valves 1 3" in part(page, "by-enterprise")


def test_summary_links_narrow_the_board_to_an_enterprise(client_for, coordinator_zj, world):
    client = client_for(coordinator_zj)
    ningbo = world["late"].enterprise
    page = board(client)
    assert f'<a href="?status=open&amp;enterprise={ningbo.pk}">Ningbo Valves</a>' in page
    page = board(client, f"?status=open&enterprise={ningbo.pk}")
    assert rows(page) == [
        "Label the spare parts shelves",
        "Draft idea not yet shared",
        "Train the night shift",
        "Repaint the walkways",
    ]
    assert "Only the actions of Ningbo Valves." in text(page)


def test_overdue_actions_stand_out_with_days_late(client_for, consultant1, world):
    page = board(client_for(consultant1))
    late_row = page[page.index("Label the spare parts shelves") - 200 : page.index("Train the night shift")]
    assert 'class="table-danger"' in late_row and ">Overdue<" in late_row and "5 days late" in late_row
    assert "Wang Fang" in late_row and "Management" in late_row
    assert page.count('data-testid="overdue"') == 1  # only the one overdue row has the badge
    soon_row = page[page.index("Train the night shift") - 200 : page.index("Repaint the walkways")]
    assert "table-danger" not in soon_row and "days late" not in soon_row
    assert f'href="/visits/{world["late"].visit_id}/"' in page
    consultant1.preferred_language = "zh-hans"
    consultant1.save()
    page = board(client_for(consultant1))
    assert "逾期 5 天" in page and "days late" not in page


def test_a_consultant_updates_an_action_and_comes_back_to_the_same_filters(client_for, consultant1, world):
    late = world["late"]
    client = client_for(consultant1)
    response = client.post(
        f"/actions/{late.pk}/", {"status": "done", "result": "Shelves labelled", "next": "/actions/?status=all&q=shel"}
    )
    assert response.status_code == 302 and response["Location"] == "/actions/?status=all&q=shel"
    late.refresh_from_db()
    assert (late.status, late.result, late.closed_on) == ("done", "Shelves labelled", TODAY)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATED, actor=consultant1).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Action updated." in page and "Shelves labelled" in page


def test_a_foreign_next_address_is_not_followed(client_for, coordinator_zj, world):
    response = client_for(coordinator_zj).post(
        f"/actions/{world['other'].pk}/", {"status": "in_progress", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/actions/"
    world["other"].refresh_from_db()
    assert world["other"].status == "in_progress"


def test_bad_input_is_refused_with_a_message_and_nothing_saved(client_for, consultant1, world):
    late = world["late"]
    client = client_for(consultant1)
    response = client.post(f"/actions/{late.pk}/", {"status": "finished", "result": "x"}, follow=True)
    assert "The action was not changed" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    late.refresh_from_db()
    assert (late.status, late.result) == ("open", "")


@pytest.mark.parametrize(
    "who, target", [("consultant1", "other"), ("consultant1", "draft"), ("coordinator_sc", "late")]
)
def test_an_action_out_of_scope_cannot_be_updated(request, client_for, world, who, target):
    response = client_for(request.getfixturevalue(who)).post(f"/actions/{world[target].pk}/", {"status": "done"})
    assert response.status_code == 404
    world[target].refresh_from_db()
    assert world[target].status == "open"


def test_signed_out_users_are_sent_to_sign_in(client, world):
    assert client.get("/actions/").status_code == 302
    assert client.post(f"/actions/{world['late'].pk}/", {"status": "done"}).status_code == 302
    world["late"].refresh_from_db()
    assert world["late"].status == "open"


def test_the_board_is_in_the_navigation_for_every_role(client_for, admin, coordinator_zj, consultant1, world):
    for user in (admin, coordinator_zj, consultant1):
        assert 'href="/actions/"' in client_for(user).get("/").content.decode()


def test_the_board_costs_the_same_queries_for_many_actions(
    client_for, admin, coordinator_zj, consultant1, world, django_assert_max_num_queries
):
    clients = {user.pk: client_for(user) for user in (admin, coordinator_zj, consultant1)}
    baseline = {}
    for pk, client in clients.items():
        client.get("/actions/?status=all")
        cache.clear()  # the summaries are cached: count the queries that compute them
        with django_assert_max_num_queries(30) as few:
            client.get("/actions/?status=all")
        baseline[pk] = len(few.captured_queries)
    for n in range(12):
        enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(name_en=f"Firm {n}"))
        visit = assigned_visit(consultant1, enrolment, status="submitted")
        owner = EITMemberFactory(enterprise=enrolment.enterprise)
        for k in range(3):
            action(visit, f"More {n}-{k}", days(k - 1), owner=owner, updated_on_visit=visit)
    for pk, client in clients.items():
        cache.clear()
        with django_assert_max_num_queries(baseline[pk]):
            page = client.get("/actions/?status=all").content.decode()
        assert len(rows(page)) == 25
