"""The access policy for visits as a matrix of person x object x action.

Enterprise A (Zhejiang) is assigned to consultant1, who has a draft visit there with an
attachment, a KPI reading and an agreed action; enterprise B (Sichuan) is assigned to
consultant2, who has a draft visit there. Each person gets, for each URL, the answer the
policy promises: 200 (or 302 after a save), 302 to the sign-in page, 403 when they see
the object but may not do that to it, 404 when it is outside their scope.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from consultants.models import Attachment, Consultant, ImprovementAction, Visit, VisitReading
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory, indicator

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "consultant1", "consultant2", "coordinator_zj", "coordinator_sc", "admin"]
LOGIN = "login"  # a 302 to the sign-in page
SAVED = "saved"  # a 302 back to the visit after saving
ACTION_TEXT = "Put a guard on press 7"
ACTION_TEXT_B = "Keep the exit clear of cable drums"
CAPTION = "Oil under press 7"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(consultant1, consultant2):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    a = EnterpriseFactory(name_en="Alpha Valve Works", name_zh="阿尔法阀门厂", province=province("ZJ"))
    b = EnterpriseFactory(name_en="Beta Cable Works", name_zh="贝塔电缆厂", province=province("SC"))
    owner = EITMemberFactory(enterprise=a, name="Hu Owner")
    visit_a = assigned_visit(
        consultant1,
        EnrolmentFactory(enterprise=a),
        status="draft",
        planned_at=yesterday,
        held_on=yesterday.date(),
        activities="Walked the press line",
        findings="Oil on the floor",
    )
    visit_b = assigned_visit(
        consultant2,
        EnrolmentFactory(enterprise=b),
        status="draft",
        planned_at=yesterday,
        held_on=yesterday.date(),
        activities="Walked the cable line",
        findings="Drums block the exit",
    )
    VisitReading.objects.create(visit=visit_a, indicator=indicator("productivity"), value="41.5")
    ImprovementAction.objects.create(
        enterprise=a,
        visit=visit_a,
        description=ACTION_TEXT,
        owner=owner,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    ImprovementAction.objects.create(
        enterprise=b, visit=visit_b, description=ACTION_TEXT_B, due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    attachment = Attachment(
        visit=visit_a,
        kind="photo",
        content_type="image/jpeg",
        original_name="press7.jpg",
        caption=CAPTION,
        size=4,
        width=1,
        height=1,
        uploaded_by=consultant1,
    )
    attachment.file.save("upload", ContentFile(b"\xff\xd8\xff\xd9"), save=False)
    attachment.save()
    return SimpleNamespace(a=a, b=b, visit_a=visit_a, visit_b=visit_b, attachment=attachment)


@pytest.fixture
def client_of(request, client_for):
    def make(person):
        return Client() if person == "anonymous" else client_for(request.getfixturevalue(person))

    return make


def login_url():
    from django.conf import settings

    return resolve_url(settings.LOGIN_URL)


def expect(anonymous, consultant1, consultant2, coordinator_zj, coordinator_sc, admin):
    return dict(zip(PEOPLE, (anonymous, consultant1, consultant2, coordinator_zj, coordinator_sc, admin), strict=True))


SEES_A = expect(LOGIN, 200, 404, 200, 404, 200)
SEES_B = expect(LOGIN, 404, 200, 404, 200, 200)
# (name, method, url, expected answer per person)
CASES = [
    ("visit-a", "get", lambda w: f"/visits/{w.visit_a.pk}/", SEES_A),
    ("visit-a-save", "post", lambda w: f"/visits/{w.visit_a.pk}/", expect(LOGIN, SAVED, 404, 403, 404, 403)),
    ("visit-b", "get", lambda w: f"/visits/{w.visit_b.pk}/", SEES_B),
    ("visit-b-save", "post", lambda w: f"/visits/{w.visit_b.pk}/", expect(LOGIN, 404, SAVED, 404, 403, 403)),
    ("enterprise-a", "get", lambda w: f"/enterprises/{w.a.pk}/", SEES_A),
    ("enterprise-a-kpis", "get", lambda w: f"/enterprises/{w.a.pk}/?tab=kpis", SEES_A),
    ("enterprise-a-visits", "get", lambda w: f"/enterprises/{w.a.pk}/?tab=visits", SEES_A),
    ("enterprise-b", "get", lambda w: f"/enterprises/{w.b.pk}/", SEES_B),
    ("enterprise-b-kpis", "get", lambda w: f"/enterprises/{w.b.pk}/?tab=kpis", SEES_B),
    ("attachment-a", "get", lambda w: f"/attachments/{w.attachment.pk}/", SEES_A),
]
MATRIX = [
    pytest.param(method, url, person, expected[person], id=f"{name}-{person}")
    for name, method, url, expected in CASES
    for person in PEOPLE
]


def save_data(visit):
    return {
        "action": "save",
        "version": visit.version,
        "held_on": visit.held_on.isoformat(),
        "duration_hours": "3",
        "activities": "Walked the line again",
        "findings": visit.findings,
        "kpi_productivity": "41.5",
    }


@pytest.mark.parametrize(("method", "url", "person", "expected"), MATRIX)
def test_each_person_gets_the_answer_the_policy_promises(world, client_of, method, url, person, expected):
    path = url(world)
    visit = Visit.objects.filter(pk=path.split("/")[2]).first() if path.startswith("/visits/") else None
    client = client_of(person)
    response = client.post(path, save_data(visit)) if method == "post" else client.get(path)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(login_url())
    elif expected == SAVED:
        assert response.status_code == 302
        assert response["Location"] == path
    else:
        assert response.status_code == expected
    if method == "post":
        before = visit.version
        visit.refresh_from_db()
        assert (visit.version > before) == (expected == SAVED)  # a refused save changes nothing
    if path.startswith("/attachments/") and expected == 200:
        assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xd9"
    if path == f"/visits/{world.visit_a.pk}/" and method == "get" and expected == 200:
        page = response.content.decode()
        assert ACTION_TEXT in page and CAPTION in page and "Oil on the floor" in page
    if path.endswith("?tab=visits") and expected == 200:
        assert f"/visits/{world.visit_a.pk}/" in response.content.decode()


@pytest.mark.parametrize(
    ("person", "shown"),
    [
        ("consultant1", {"Alpha Valve Works"}),
        ("consultant2", {"Beta Cable Works"}),
        ("coordinator_zj", {"Alpha Valve Works"}),
        ("coordinator_sc", {"Beta Cable Works"}),
        ("admin", {"Alpha Valve Works", "Beta Cable Works"}),
    ],
)
def test_the_visit_list_shows_only_the_visits_in_scope(world, client_of, person, shown):
    response = client_of(person).get("/visits/?when=open")
    assert response.status_code == 200
    page = response.content.decode()
    assert {name for name in ("Alpha Valve Works", "Beta Cable Works") if name in page} == shown


@pytest.mark.parametrize(
    ("person", "shown"),
    [
        ("consultant1", {ACTION_TEXT}),
        ("consultant2", {ACTION_TEXT_B}),
        ("coordinator_zj", {ACTION_TEXT}),
        ("coordinator_sc", {ACTION_TEXT_B}),
        ("admin", {ACTION_TEXT, ACTION_TEXT_B}),
    ],
)
def test_the_action_board_shows_only_the_actions_in_scope(world, client_of, person, shown):
    response = client_of(person).get("/actions/?status=all")
    assert response.status_code == 200
    page = response.content.decode()
    assert {text for text in (ACTION_TEXT, ACTION_TEXT_B) if text in page} == shown


def test_the_lists_ask_an_anonymous_visitor_to_sign_in(world, client_of):
    for path in ("/visits/", "/actions/"):
        response = client_of("anonymous").get(path)
        assert response.status_code == 302 and response["Location"].startswith(login_url())


@pytest.mark.parametrize(
    ("person", "mine", "theirs"), [("consultant1", "Alpha", "Beta"), ("consultant2", "Beta", "Alpha")]
)
def test_a_calendar_feed_holds_its_consultants_visits_only(world, request, person, mine, theirs):
    token = Consultant.objects.get(user=request.getfixturevalue(person)).calendar_token
    response = Client().get(f"/calendar/{token}.ics")  # the token is the key: no sign-in
    assert response.status_code == 200
    feed = response.content.decode()
    assert f"{mine} " in feed and f"{theirs} " not in feed


def test_a_calendar_feed_with_a_made_up_token_is_not_found(world):
    assert Client().get("/calendar/not-a-real-token.ics").status_code == 404


@pytest.mark.parametrize("status", ["planned", "draft", "returned", "submitted", "approved", "cancelled"])
def test_the_visit_page_rule_for_recording_is_the_querysets(request, world, status):
    """The visit page asks the visit it has read (Visit.is_recordable_by) rather than the database
    (VisitQuerySet.recordable_by): both must give the same answer for every person and status."""
    Visit.objects.update(status=status)
    for name in PEOPLE:
        user = request.getfixturevalue(name) if name != "anonymous" else AnonymousUser()
        for visit in Visit.objects.select_related("consultant"):
            in_queryset = Visit.objects.recordable_by(user).filter(pk=visit.pk).exists()
            assert visit.is_recordable_by(user) == in_queryset, (name, status)
        if name == "consultant1":  # the rule is not empty: its own visit, until submitted
            assert Visit.objects.recordable_by(user).exists() == (status in ("planned", "draft", "returned"))


@pytest.mark.parametrize("status", ["draft", "submitted", "approved"])
def test_the_boards_rule_for_changing_actions_is_the_querysets(request, world, status):
    """The action board asks which of the rows it has read may be changed
    (ImprovementActionQuerySet.editable_among) rather than the database (editable_by): both must
    give the same answer for every person, whatever the status of the visit each was agreed on."""
    Visit.objects.update(status=status)
    for name in PEOPLE:
        user = request.getfixturevalue(name) if name != "anonymous" else AnonymousUser()
        seen = list(ImprovementAction.objects.visible_to(user))
        in_queryset = set(ImprovementAction.objects.editable_by(user).values_list("pk", flat=True))
        assert ImprovementAction.objects.editable_among(user, seen) == in_queryset, (name, status)
    assert ImprovementAction.objects.editable_by(request.getfixturevalue("coordinator_zj")).exists()


@pytest.mark.parametrize("rule", ["reviewable_by", "editable_by", "recordable_by"])
def test_holds_is_the_rules_answer_and_asks_nothing_when_the_rule_is_empty(
    request, world, rule, django_assert_num_queries
):
    """ScopedQuerySet.holds(obj), which the pages use to offer review and change, gives the rule's
    answer for every person and visit, without a query where the rule leaves the person nothing."""
    for name in PEOPLE:
        user = request.getfixturevalue(name) if name != "anonymous" else AnonymousUser()
        for visit in Visit.objects.all():
            expected = getattr(Visit.objects, rule)(user).filter(pk=visit.pk).exists()
            assert getattr(Visit.objects, rule)(user).holds(visit) == expected, (name, rule, visit)
    consultant = request.getfixturevalue("consultant1")
    visit = Visit.objects.first()
    with django_assert_num_queries(0):
        assert Visit.objects.reviewable_by(consultant).holds(visit) is False
        assert Visit.objects.reviewable_by(AnonymousUser()).holds(visit) is False
