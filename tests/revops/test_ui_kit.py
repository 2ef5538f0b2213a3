"""The UI kit (revops_ui): page header, KPI tiles, tables and chart cards render as documented."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from revops.imports.errors import Problem, problem_list
from revops.tables import Column, columns_from_spec, header_cells

COLUMNS = [Column("Name", sort="name"), Column("Stage"), Column("Amount", sort="amount", num=True)]


def _render(source: str, context: dict | None = None, url: str = "/deals/") -> str:
    request = RequestFactory().get(url)
    request.user = AnonymousUser()
    template = engines["django"].from_string("{% load revops_ui %}" + source)
    return template.render(context or {}, request=request)


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


TABLE = (
    '{% table columns rows id="deals" target="#results" empty="No deals match." %}'
    '{% for row in rows %}<tr><td>{{ row }}</td><td></td><td class="num">1</td></tr>{% endfor %}'
    "{% endtable %}"
)


def test_table_headers_link_to_the_next_sort_and_keep_the_other_parameters():
    # when: the rows are sorted by amount, ascending, and filtered
    html = _render(TABLE, {"columns": COLUMNS, "rows": ["a"]}, url="/deals/?q=acme&sort=amount&page=3")
    # then: amount sorts descending next, name ascending; the page is dropped, the filter kept
    assert (
        '<th class="num sorted" aria-sort="ascending">'
        ' <a href="?q=acme&amp;sort=-amount" hx-get="?q=acme&amp;sort=-amount" hx-target="#results"'
        ' hx-push-url="true">Amount ▲</a> </th>'
    ) in _squash(html)
    assert '<a href="?q=acme&amp;sort=name" hx-get="?q=acme&amp;sort=name"' in html
    assert "<th> Stage </th>" in _squash(html)  # not sortable: no link


def test_table_sorted_descending_marks_the_header_and_asks_for_ascending():
    # when
    html = _render(TABLE, {"columns": COLUMNS, "rows": ["a"]}, url="/deals/?sort=-name")
    # then
    assert '<th class="sorted" aria-sort="descending"> <a href="?sort=name"' in _squash(html)
    assert "Name ▼" in html


def test_header_cells_toggle_direction():
    # when
    cells = {c.label: (c.key, c.next_sort, c.direction) for c in header_cells(COLUMNS, "-amount")}
    # then
    assert cells == {
        "Name": ("name", "name", ""),
        "Stage": ("", "", ""),
        "Amount": ("amount", "amount", "desc"),
    }


def test_columns_from_a_spec_string():
    # then
    assert columns_from_spec("#|Account|Won deals:num") == [
        Column("#"),
        Column("Account"),
        Column("Won deals", num=True),
    ]


def test_table_empty_state_spans_every_column():
    # when
    html = _render(TABLE, {"columns": COLUMNS, "rows": []})
    # then
    assert '<tbody> <tr><td colspan="3" class="empty">No deals match.</td></tr> </tbody>' in _squash(html)


def test_table_pager_of_a_middle_page_links_both_ways_keeping_the_filters():
    # given
    page = Paginator(list(range(120)), 50).get_page(2)
    # when
    html = _render(TABLE, {"columns": COLUMNS, "rows": page}, url="/deals/?q=acme&page=2")
    # then
    assert html.count("<tr><td>") == 50
    assert "Page 2 of 3" in html
    assert (
        '<a class="btn btn-small" rel="prev" href="?q=acme&amp;page=1" hx-get="?q=acme&amp;page=1"'
        ' hx-target="#results" hx-push-url="true">← Previous</a>'
    ) in html
    assert 'rel="next" href="?q=acme&amp;page=3"' in html


def test_table_of_one_page_has_no_pager_and_plain_links_without_a_target():
    # given
    page = Paginator(["a", "b"], 50).get_page(1)
    source = '{% table "Name:|Amount:num" rows %}{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}{% endtable %}'
    # when
    html = _render(source, {"rows": page})
    # then
    assert 'class="pagination"' not in html
    assert "hx-get" not in html
    assert '<th class="num"> Amount </th>' in _squash(html)


def test_table_totals_row_exports_and_summary():
    # given
    source = (
        '{% table "Partner|Amount:num" rows title="Leaderboard" flush=True %}'
        '{% slot summary %}<p id="count">2 partners</p>{% endslot %}'
        '{% slot exports %}<a href="?export=csv">CSV</a>{% endslot %}'
        "{% for r in rows %}<tr><td>{{ r }}</td><td>1</td></tr>{% endfor %}"
        '{% slot totals %}<tr id="total-row"><th>Total</th><th class="num">2</th></tr>{% endslot %}'
        "{% endtable %}"
    )
    # when
    html = _squash(_render(source, {"rows": ["a", "b"]}))
    # then
    assert (
        '<div class="table-toolbar"> <div><h2>Leaderboard</h2><p id="count">2 partners</p></div>'
        ' <a href="?export=csv">CSV</a> </div>'
    ) in html
    assert '<div class="table-wrap card card-flush">' in html
    assert '<tfoot><tr id="total-row"><th>Total</th><th class="num">2</th></tr></tfoot>' in html


def test_table_without_totals_has_no_foot_and_without_tools_no_toolbar():
    # when
    html = _render(TABLE, {"columns": COLUMNS, "rows": ["a"]})
    # then
    assert "<tfoot>" not in html
    assert "table-toolbar" not in html
    assert '<div class="table-wrap">' in html  # wide tables scroll inside their card


def test_kpi_money_is_compact_with_the_exact_figure_on_hover():
    # when
    html = _squash(
        _render(
            '{% kpi "Open pipeline" amount money=True currency="EUR" id="kpi-open" %}'
            "{{ n }} open deals{% endkpi %}",
            {"amount": Decimal("27612345.67"), "n": 12},
        )
    )
    # then
    assert html == (
        '<div class="card kpi" id="kpi-open"> <div class="label">Open pipeline</div>'
        ' <div class="value"><span class="money-compact" title="€27,612,345.67">€27.6M</span></div>'
        ' <div class="sub">12 open deals</div> </div>'
    )


def test_kpi_with_hint_link_and_no_value():
    # when
    linked = _render('{% kpi "Deals" 12 hint="Open and won" href="/deals/" %}{% endkpi %}')
    missing = _render('{% kpi "Win rate" None small=True %}{% endkpi %}')
    # then
    assert '<div class="value" title="Open and won"><a href="/deals/">12</a></div>' in linked
    assert 'class="sub"' not in linked
    assert '<div class="value value-small">—</div>' in missing


def test_kpi_value_slot_takes_any_markup():
    # when
    html = _render(
        '{% kpi "Tier" %}{% slot value %}<span class="tier tier-gold">Gold</span>{% endslot %}{% endkpi %}'
    )
    # then
    assert '<div class="value"><span class="tier tier-gold">Gold</span></div>' in html


def test_kpis_row_is_a_labelled_section():
    # when
    html = _squash(_render('{% kpis "Key figures" %}{% kpi "A" 1 %}{% endkpi %}{% endkpis %}'))
    # then
    assert html.startswith('<section class="kpis" aria-label="Key figures"> <div class="card kpi">')


def test_page_header_with_slots():
    # when
    html = _squash(
        _render(
            '{% page_header "Dashboard" "Acme" %}'
            '{% slot breadcrumb %}<a href="/">Home</a> /{% endslot %}'
            '{% slot filters %}<form class="filters"></form>{% endslot %}'
            '{% slot actions %}<a class="btn">New</a>{% endslot %}'
            "{% endpage_header %}"
        )
    )
    # then
    assert html == (
        '<div class="page-head"> <div class="page-title"> <p class="muted"><a href="/">Home</a> /</p>'
        ' <h1>Dashboard</h1> <p class="muted">Acme</p> </div> <div class="page-tools">'
        ' <form class="filters"></form> <div class="actions"><a class="btn">New</a></div> </div> </div>'
    )


def test_page_header_without_tools_and_with_a_blank_slot():
    # when
    html = _render('{% page_header "Jobs" %}{% slot actions %}  {% endslot %}{% endpage_header %}')
    # then
    assert "page-tools" not in html
    assert '<p class="muted">' not in html


def test_chart_card_shows_the_chart_and_caption_or_the_empty_state():
    # when
    drawn = _squash(
        _render(
            '{% chart_card "Trend" chart id="trend" %}Last 12 months{% endchart_card %}',
            {"chart": mark_safe("<div>plot</div>")},
        )
    )
    empty = _render(
        '{% chart_card "Trend" chart empty="Nothing won." %}Last 12 months{% endchart_card %}', {"chart": ""}
    )
    # then
    assert drawn == (
        '<section class="card chart-card" id="trend"> <div class="card-head"> <h2>Trend</h2> </div>'
        ' <div class="chart"><div>plot</div></div> <p class="muted chart-caption">Last 12 months</p> </section>'
    )
    assert '<p class="empty">Nothing won.</p>' in empty
    assert "Last 12 months" not in empty


@pytest.mark.parametrize(
    ("_case", "source", "message"),
    [
        (
            "unknown slot",
            "{% kpi 'A' 1 %}{% slot footer %}x{% endslot %}{% endkpi %}",
            "{% kpi %} has no slot footer.",
        ),
        ("unknown argument", "{% kpi 'A' 1 colour='red' %}{% endkpi %}", "{% kpi %} has no argument colour."),
        (
            "positional after named",
            "{% kpi 'A' money=True 1 %}{% endkpi %}",
            "positional argument 1 after a named one",
        ),
    ],
)
def test_component_mistakes_fail_when_the_template_is_compiled(_case, source, message):
    # when / then
    with pytest.raises(TemplateSyntaxError, match=re.escape(message)):
        _render(source)


def test_a_slot_inside_another_tag_is_refused():
    # when / then
    with pytest.raises(TemplateSyntaxError, match="must stand directly inside a component tag"):
        _render("{% kpi 'A' 1 %}{% if True %}{% slot value %}x{% endslot %}{% endif %}{% endkpi %}")


def test_problem_list_reads_line_field_and_the_left_out_count():
    # when
    problems = problem_list(
        "line 3, amount: not a number\nline 4: the row has 9 values, the header has 8 columns\n"
        "The file has no rows to import.\n… and 12 more problem(s) not shown."
    )
    # then
    assert problems.problems == [
        Problem("not a number", 3, "amount"),
        Problem("the row has 9 values, the header has 8 columns", 4, ""),
        Problem("The file has no rows to import."),
    ]
    assert (problems.not_shown, problems.total) == (12, 15)
