"""``{% pk_url %}`` reverses a pattern once and fills in the keys: it must give what ``{% url %}``
gives, for every key and pair of keys, under a script prefix (a portal served below a path) and with another URL
configuration, and refuse what is not an integer key."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix
from django.urls.base import clear_script_prefix

NAMES = ["enterprises:detail", "modules:enrolment", "consultants:visit", "consultants:action_update"]


def both(name, pk):
    context = Context({"name": name, "pk": pk})
    tags = Template("{% load portal %}{% url name pk %}|{% pk_url name pk %}").render(context)
    return tags.split("|")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 7, 42, 2147483646, 10**12])
def test_the_same_url_as_the_url_tag(name, pk):
    url, fast = both(name, pk)
    assert fast == url == reverse(name, args=[pk])


TWO_KEYS = ["consultants:visit_action", "consultants:visit_action_delete"]


@pytest.mark.parametrize("name", TWO_KEYS)
@pytest.mark.parametrize("pks", [(1, 2), (2, 1), (7, 7), (2147483645, 2147483646), (2147483646, 2147483645)])
def test_two_keys_the_same_url_as_the_url_tag(name, pks):
    context = Context({"name": name, "a": pks[0], "b": pks[1]})
    url, fast = Template("{% load portal %}{% url name a b %}|{% pk_url name a b %}").render(context).split("|")
    assert fast == url == reverse(name, args=pks)


def test_below_a_script_prefix_the_prefix_is_kept():
    try:
        set_script_prefix("/score/")
        url, fast = both("enterprises:detail", 5)
        assert fast == url == "/score/enterprises/5/"
    finally:
        clear_script_prefix()
    assert both("enterprises:detail", 5)[1] == "/enterprises/5/"


def test_a_key_that_is_not_an_integer_is_refused():
    with pytest.raises(ValueError):
        Template("{% load portal %}{% pk_url 'enterprises:detail' key %}").render(Context({"key": "1/../x"}))
