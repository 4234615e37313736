"""``{% options %}`` writes a select's options in one call: escaped, and the chosen one selected,
whatever the type of the value compared (a key from the database, a string from a form)."""

from django.template import Context, Template


def render(choices, selected):
    return Template("{% load portal %}{% options choices selected %}").render(
        Context({"choices": choices, "selected": selected})
    )


def test_the_chosen_value_is_selected_and_the_labels_escaped():
    html = render([(1, "Wang <b>"), (2, 'Li "x" & y')], 2)
    assert html == (
        '<option value="1">Wang &lt;b&gt;</option><option value="2" selected>Li &quot;x&quot; &amp; y</option>'
    )
    assert render([(1, "A"), (2, "B")], "1").count("selected") == 1  # "1" from a form chooses the key 1
    assert "selected" not in render([(1, "A")], None)
    assert render([('"><script>', "x")], None) == '<option value="&quot;&gt;&lt;script&gt;">x</option>'
