"""The visit page reads the EIT's members once and gives them to every menu of them: the menus
must be exactly those the forms make from their own queries (labels, order, empty choice)."""

import pytest

from consultants.forms import ActionForm, VisitRecordForm
from tests.consultants.factories import assigned_visit, profile
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_menus_from_the_members_read_once_are_the_forms_own(consultant1, consultant2):
    enterprise = EnterpriseFactory()
    EITMemberFactory(enterprise=enterprise, name="王静", side="worker", sex="female")
    EITMemberFactory(enterprise=enterprise, name="Li Ming", side="management", sex="male")
    visit = assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise), status="draft")
    members = list(enterprise.eit_members.current())

    action_own, action_given = ActionForm(enterprise=enterprise), ActionForm(enterprise=enterprise, members=members)
    assert str(action_given["owner"]) == str(action_own["owner"])
    assert "王静 · Worker" in str(action_given["owner"])

    record_own, record_given = VisitRecordForm(instance=visit), VisitRecordForm(instance=visit, members=members)
    assert str(record_given["attendees"]) == str(record_own["attendees"])

    # The supervisor menu is kept as (id, name) pairs: the expert trainers of the module, by name.
    expert = profile(consultant2, visit.enrolment.module, level="expert")
    menu = VisitRecordForm(instance=visit)["supervisor"]
    assert [(str(c.data["value"]), c.data["label"]) for c in menu][1:] == [(str(expert.pk), consultant2.name)]
