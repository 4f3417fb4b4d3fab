"""Self-contained HTML report (one file, images embedded as base64 PNG) from a jinja2 template.

A small script marks `<body data-images-ok="k/n" data-verdict-rows="k/n" data-scroll-width="w/W">`
once the page has loaded, so a headless browser test can check that every embedded image decoded,
every verdict row was laid out and the page is no wider than the window (a 1,280 px laptop screen
needs no horizontal scrolling: cells wrap, a table too wide to wrap scrolls inside its own box).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from harness.claims.verdicts import Verdict
from harness.report.table import Table
from harness.report.verdicts import DETAIL_FIELDS, anchor, effect, scope, summary_sentence, verdict_field, why


@dataclass
class Figure:
    name: str  # file stem
    title: str
    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def file_src(self) -> str:
        """The PNG beside the page (`write_report` writes every figure to plots/)."""
        return f"plots/{self.name}.png"


HtmlTable = Table  # the old name; one table type renders to Markdown, CSV and HTML


@dataclass
class ReportPage:
    title: str
    subtitle: str
    verdicts: list[Verdict]
    tables: list[Table] = field(default_factory=list)  # per-task comparison tables
    figures: list[Figure] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)
    sections: list[Table] = field(default_factory=list)  # the family sections' tables, then resolution/power
    models: list[str] = field(default_factory=list)  # every model the verdicts were tested on, listed once
    limitations: list[str] = field(default_factory=list)  # threats to validity shared by every verdict (read first)
    embed_figures: bool = True  # data URIs (one self-contained file); False: link plots/<name>.png beside the page


LABEL = {
    "supported": "supported",
    "refuted": "refuted",
    "inconclusive": "inconclusive",
    "undecidable": "undecidable here",
    "not run": "not run",
    "no rule": "no rule yet",
}

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.82em;max-width:100%}th,td{border:1px solid #ccc;padding:.25em .4em;vertical-align:top;overflow-wrap:break-word}th{background:#f3f3f3}
.wide{overflow-x:auto;max-width:100%}code{overflow-wrap:anywhere}#verdict-table td.status{white-space:nowrap}#verdict-table td:nth-child(1){min-width:12em}#verdict-table td:nth-child(3){min-width:14em}#verdict-table td:nth-child(4){min-width:8em}
td.num{text-align:right;font-variant-numeric:tabular-nums}.supported{background:#e3f6e3}.refuted{background:#fbe3e3}.inconclusive{background:#fff7dd}.undecidable{background:#eef0f7}.not-run,.no-rule{background:#eee}
blockquote{border-left:4px solid #bbb;margin:.5em 0;padding:.2em .8em;background:#fafafa}.quote{font-size:1.05em}.claim{border-top:1px solid #ddd;padding-top:.6em;margin-top:1.2em}
figure{display:inline-block;margin:.5em;vertical-align:top;max-width:48%}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.8em;color:#555}
small,.muted{color:#666}ul.ev li{font-size:.85em;font-family:ui-monospace,monospace}
</style></head>
<body data-images-ok="pending">
<h1>{{ page.title }}</h1>
<p class="muted">{{ page.subtitle }}</p>
{% if page.limitations %}<h2 id="limitations">Read this first: limitations</h2>
<ul id="limitations-list">{% for x in page.limitations %}<li>{{ x }}</li>{% endfor %}</ul>{% endif %}
<h2 id="verdicts">Verdicts</h2>
<p id="verdict-counts">{% for s, label in badge.items() %}{% set n = page.verdicts|selectattr('status', 'equalto', s)|list|length %}{% if n %}<span class="{{ s|replace(' ', '-') }}">&nbsp;{{ n }} {{ label }}&nbsp;</span> {% endif %}{% endfor %}
<br><small>{{ summary }} "Inconclusive" says what the data could not decide and what would; "undecidable here": no outcome on these models could decide the rule; "not run": the rule's tasks have no records here.</small></p>
{% if page.models %}<p id="verdict-models"><b>Models:</b> {{ page.models|join(', ') }}.</p>{% endif %}
<div class="wide"><table id="verdict-table">
<thead><tr><th>claim</th><th>verdict</th><th>headline effect [95% CI]</th><th>scope</th><th>why / what would change it</th></tr></thead>
<tbody>
{% for v in page.verdicts %}<tr class="verdict-row {{ v.status|replace(' ', '-') }}" data-claim="{{ v.rule_id }}" data-status="{{ v.status }}">
<td><a href="#{{ anchor(v) }}">{{ v.rule_id }}</a> {{ v.title }}</td><td class="status"><b>{{ badge[v.status] }}</b>{% if field(v, "post_hoc") %}<br><small>post hoc</small>{% endif %}</td>
<td>{{ effect(v) }}</td><td><small>{{ scope(v, page.models) }}</small></td><td><small>{{ why(v) }}</small></td></tr>
{% endfor %}</tbody></table></div>

{% if page.figures %}<h2 id="plots">Plots</h2>
{% for f in page.figures %}<figure><img src="{{ f.data_uri if page.embed_figures else f.file_src }}" alt="{{ f.title }}" data-name="{{ f.name }}"><figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}{% endif %}

{% if page.anchors %}<h2 id="anchors">Published numbers beside ours</h2><ul>{% for a in page.anchors %}<li>{{ a }}</li>{% endfor %}</ul>{% endif %}

<h2 id="tables">Comparison across model sizes</h2>
<p class="muted">Cells: mean [95% CI]; 0/1 metrics in % with Wilson intervals, continuous metrics with percentile-bootstrap intervals; models sorted by parameter count.</p>
{% for t in page.tables %}<h3>{{ t.title }}</h3>{{ table(t) }}{% endfor %}
{% set ns = namespace(current=none) %}
{% for t in page.sections %}{% if t.section != ns.current %}{% set ns.current = t.section %}{% if t.section %}<h2 id="section-{{ t.slug }}">{{ t.section }}</h2>{% endif %}{% endif %}
{% if t.section %}<h3 id="table-{{ t.slug }}">{{ t.title }}</h3>{% else %}<h2 id="table-{{ t.slug }}">{{ t.title }}</h2>{% endif %}{% if t.note %}<p class="muted">{{ t.note }}</p>{% endif %}{{ table(t) }}{% endfor %}

<h2 id="claims">Claims, rules and the numbers behind each verdict</h2>
{% for v in page.verdicts %}<section class="claim" id="{{ anchor(v) }}">
<h3>{{ v.rule_id }} · {{ v.title }} <span class="{{ v.status|replace(' ', '-') }}">{{ badge[v.status] }}</span></h3>
{% if v.quote %}<blockquote><div class="quote" lang="zh">{{ v.quote }}</div><div>{{ v.en }}</div></blockquote>
<p><small>{{ v.speaker }} — <code>{{ v.source }}</code></small></p>{% endif %}
{% if v.p_value is not none %}<p>p = {{ '%.3g'|format(v.p_value) }}{% if v.q_value is not none %}, Benjamini–Hochberg q = {{ '%.3g'|format(v.q_value) }}{% endif %}</p>{% endif %}
{% for name, title in detail_fields %}{% if field(v, name) %}<p><b>{{ title }}:</b> {{ field(v, name) }}</p>{% endif %}{% endfor %}
{% if v.statement %}<p><b>Pre-registered rule</b> ({{ v.kind }}): {{ v.statement }}</p>{% endif %}
{% if v.reason %}<p><b>Why:</b> {{ v.reason }}</p>{% endif %}
{% if v.change %}<p><b>What would change it:</b> {{ v.change }}</p>{% endif %}
{% if v.models %}<p><b>Tested on:</b> {{ v.models|join(', ') }}; tasks {{ v.tasks|join(', ') }}; N ≥ {{ v.n_min }} items per cell.</p>{% endif %}
{% if v.evidence %}<ul class="ev">{% for e in v.evidence %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
</section>{% endfor %}

{% if page.provenance %}<h2 id="provenance">Provenance</h2><ul>{% for p in page.provenance %}<li><small>{{ p }}</small></li>{% endfor %}</ul>{% endif %}
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-ok", ok + "/" + imgs.length);
  var rows = Array.prototype.slice.call(document.querySelectorAll("#verdict-table tr.verdict-row"));
  var shown = rows.filter(function (r) { return r.getBoundingClientRect().height > 0; }).length;
  document.body.setAttribute("data-verdict-rows", shown + "/" + rows.length);
  document.body.setAttribute("data-scroll-width", document.documentElement.scrollWidth + "/" + window.innerWidth);
});
</script>
</body></html>
"""


TABLE = """<div class="wide"><table data-table="{{ t.slug }}"><thead><tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for r in t.rows %}<tr>{% for c in r %}<td{% if t.right(loop.index0) %} class="num"{% endif %}>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table></div>"""


def render_html(page: ReportPage) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    table = env.from_string(TABLE)

    def render_table(t: Table) -> Markup:
        return Markup(table.render(t=t))

    return env.from_string(TEMPLATE).render(
        page=page,
        badge=LABEL,
        anchor=anchor,
        effect=effect,
        scope=scope,
        field=verdict_field,
        detail_fields=DETAIL_FIELDS,
        why=why,
        table=render_table,
        summary=summary_sentence(page.verdicts),
    )
