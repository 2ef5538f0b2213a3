"""The UI kit: page header, KPI tiles, tables and chart cards every page is built from.

    {% load revops_ui %}
    {% page_header "Dashboard" subtitle=request.organization.name %}
      {% slot filters %}<form class="filters" ...>...</form>{% endslot %}
      {% slot actions %}<a class="btn" ...>New</a>{% endslot %}
    {% endpage_header %}

    {% kpis "Key figures" %}
      {% kpi "Open pipeline" kpis.open_pipeline money=True id="kpi-open-pipeline" %}
        {{ kpis.open_count|num }} open deals          ← the line under the figure
      {% endkpi %}
    {% endkpis %}

    {% table columns page_obj id="job-table" target="#job-results" empty="No jobs yet." %}
      {% slot exports %}{% export_buttons "jobs" %}{% endslot %}
      {% for job in page_obj %}<tr>...</tr>{% endfor %}
      {% slot totals %}<tr><th>Total</th>...</tr>{% endslot %}
    {% endtable %}

    {% chart_card "Won revenue per month" revenue_chart empty="Nothing won." %}caption{% endchart_card %}

    {% include "components/job_progress.html" with job=job %}

Each block tag renders `templates/components/<name>.html`. What is inside the tag and outside
any `{% slot %}` is its body (a tile's line under the figure, a table's rows, a chart's
caption); a slot with nothing but white space counts as absent. Arguments:

- page_header: title, subtitle; slots breadcrumb, title, subtitle, filters, actions.
- kpis: label (the section's aria-label).
- kpi: label, value; money=True (compact figure, the exact one on hover), currency, hint
  (hover text), href (the figure links there), id, small; slot value (any markup).
- table: columns (revops.tables.Column list or "A|B:num" spec), rows (a list or a Page: an
  empty one shows `empty`, a Page of several pages adds the pager); id, sort (the current
  sort; default the `sort` query parameter), target (the element HTMX swaps on sort and
  page links; without it they are plain links), empty, title, flush (the table is its own
  card, flush to its edges); slots summary, exports, totals (rows of the table's foot).
  Wide tables scroll sideways inside their card.
- chart_card: title, chart (a fragment from a charts module; "" shows `empty`), empty, id,
  class; slot actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.core.paginator import Page
from django.template.base import Node, NodeList, Parser, Token, token_kwargs
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from revops.formatting import EMPTY
from revops.imports.errors import ProblemList, problem_list
from revops.palette import palette_css
from revops.tables import as_columns, header_cells
from revops.templatetags.revops_format import money_compact

register = template.Library()

Prepare = Callable[[Context, dict[str, Any], frozenset[str]], None]


@dataclass(frozen=True)
class Component:
    name: str
    params: tuple[str, ...]  # positional arguments, in order (each may also be given by name)
    options: frozenset[str] = frozenset()  # keyword-only arguments
    slots: frozenset[str] = frozenset()
    prepare: Prepare | None = None  # fills in what the template needs from the arguments
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"components/{self.name}.html"


class SlotNode(Node):
    """`{% slot name %}…{% endslot %}`: rendered by the component tag it stands directly in."""

    def __init__(self, name: str, nodelist: NodeList):
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        raise template.TemplateSyntaxError(
            f"{{% slot {self.name} %}} must stand directly inside a component tag."
        )


@register.tag("slot")
def do_slot(parser: Parser, token: Token) -> SlotNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% slot %} takes one name: {% slot actions %}.")
    nodelist = parser.parse(("endslot",))
    parser.delete_first_token()
    return SlotNode(bits[1], nodelist)


class ComponentNode(Node):
    def __init__(self, component: Component, args: list, kwargs: dict, nodelist: NodeList):
        self.component = component
        self.args = args
        self.kwargs = kwargs
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        component = self.component
        values: dict[str, Any] = dict(component.defaults)
        values.update(
            {name: arg.resolve(context) for name, arg in zip(component.params, self.args, strict=False)}
        )
        values.update({name: arg.resolve(context) for name, arg in self.kwargs.items()})
        body = NodeList(n for n in self.nodelist if not isinstance(n, SlotNode)).render(context)
        values["body"] = body if body.strip() else ""
        filled = set()
        for node in self.nodelist:
            if isinstance(node, SlotNode):
                content = node.nodelist.render(context)
                if content.strip():
                    values[node.name] = content
                    filled.add(node.name)
        values.setdefault("request", context.get("request"))
        if component.prepare is not None:
            component.prepare(context, values, frozenset(filled))
        compiled = context.render_context.get(self)
        if compiled is None:
            assert context.template is not None  # a node renders inside a template
            compiled = context.template.engine.get_template(component.template)
            context.render_context[self] = compiled
        return mark_safe(compiled.render(context.new(values)))


def _component_tag(component: Component) -> Callable[[Parser, Token], ComponentNode]:
    names = set(component.params) | component.options

    def compile_tag(parser: Parser, token: Token) -> ComponentNode:
        bits = token.split_contents()[1:]
        args: list = []
        kwargs: dict = {}
        while bits:
            named = token_kwargs(bits, parser)
            if named:
                unknown = set(named) - names
                if unknown:
                    raise template.TemplateSyntaxError(
                        f"{{% {component.name} %}} has no argument {', '.join(sorted(unknown))}."
                    )
                kwargs.update(named)
            elif kwargs:
                raise template.TemplateSyntaxError(
                    f"{{% {component.name} %}}: positional argument {bits[0]} after a named one."
                )
            else:
                args.append(parser.compile_filter(bits.pop(0)))
        if len(args) > len(component.params):
            raise template.TemplateSyntaxError(
                f"{{% {component.name} %}} takes at most {len(component.params)} positional arguments."
            )
        nodelist = parser.parse((f"end{component.name}",))
        parser.delete_first_token()
        for node in nodelist:
            if isinstance(node, SlotNode) and node.name not in component.slots:
                raise template.TemplateSyntaxError(f"{{% {component.name} %}} has no slot {node.name}.")
        return ComponentNode(component, args, kwargs, nodelist)

    return compile_tag


def _prepare_kpi(context: Context, values: dict[str, Any], slots: frozenset[str]) -> None:
    if "value" in slots:
        return
    value = values.get("value")
    if values.get("money"):
        values["value"] = money_compact(context, value, values.get("currency"))
    elif value is None or value == "":
        values["value"] = EMPTY


def _prepare_table(context: Context, values: dict[str, Any], slots: frozenset[str]) -> None:
    request = values.get("request")
    sort = values["sort"] if "sort" in values else (request.GET.get("sort") if request else None)
    values["header"] = header_cells(as_columns(values["columns"]), sort)
    rows = values.get("rows")
    page = rows if isinstance(rows, Page) else None
    objects = page.object_list if page is not None else rows
    values["is_empty"] = objects is not None and not len(objects)
    values["pager"] = page if page is not None and page.paginator.num_pages > 1 else None


COMPONENTS = (
    Component(
        "page_header",
        params=("title", "subtitle"),
        slots=frozenset({"breadcrumb", "title", "subtitle", "filters", "actions"}),
    ),
    Component("kpis", params=("label",)),
    Component(
        "kpi",
        params=("label", "value"),
        options=frozenset({"money", "currency", "hint", "href", "id", "small"}),
        slots=frozenset({"value"}),
        prepare=_prepare_kpi,
    ),
    Component(
        "table",
        params=("columns", "rows"),
        options=frozenset({"id", "sort", "target", "empty", "title", "flush"}),
        slots=frozenset({"summary", "exports", "totals"}),
        prepare=_prepare_table,
        defaults={"empty": "Nothing to show."},
    ),
    Component(
        "chart_card",
        params=("title", "chart"),
        options=frozenset({"empty", "id", "class"}),
        slots=frozenset({"actions"}),
        defaults={"empty": "No data for this period."},
    ),
)

for _component in COMPONENTS:
    register.tag(_component.name, _component_tag(_component))


@register.filter
def job_problems(error: str) -> ProblemList:
    """A job's error text as problems (line, field, message), for components/job_progress.html."""
    return problem_list(error or "")


@register.simple_tag
def palette_styles() -> SafeString:
    """The badge colours of every registered palette (revops.palette), as a <style> element."""
    return mark_safe(f"<style>\n{palette_css()}\n</style>")
