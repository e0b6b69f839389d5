// One self-contained HTML page: summary cards, a batch timeline (inline SVG),
// failures first, and a host table drawn 100 rows at a time from embedded
// JSON so that 10,000 hosts stay quick. No network fetches (a CSP says so).
#include "orchestrator/report/escape.hpp"
#include "orchestrator/report/render.hpp"
#include "orchestrator/report/render_context.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace fleetmend {
namespace {

using nlohmann::json;

constexpr const char* status_order[] = {"changed", "unchanged",       "would-change", "rolled-back", "failed",
                                        "rollback-failed", "unreachable", "skipped",      "unfinished"};
constexpr std::size_t max_failure_cards = 200;
constexpr std::size_t max_embedded_excerpt = 2048;

std::string h(const std::string& text) { return html_escape(text); }

const char* status_colour(const std::string& word) {
    if (word == "changed") return "#d97706";
    if (word == "would-change") return "#eab308";
    if (word == "unchanged") return "#16a34a";
    if (word == "rolled-back") return "#0891b2";
    if (word == "skipped") return "#9ca3af";
    if (word == "unreachable") return "#7c3aed";
    return "#dc2626";  // failed, rollback-failed, unfinished
}

/// Interns the step texts every host repeats (phase, step name, command,
/// message): 10,000 hosts share a few dozen, so the page carries each once.
class string_table {
public:
    int operator()(const std::string& text) {
        const auto [it, added] = index_.try_emplace(text, static_cast<int>(strings_.size()));
        if (added) strings_.push_back(text);
        return it->second;
    }
    [[nodiscard]] const std::vector<std::string>& strings() const noexcept { return strings_; }

private:
    std::map<std::string, int> index_;
    std::vector<std::string> strings_;
};

/// The table's data: compact arrays and one string table, so 10,000 hosts
/// stay a few MB and parse quickly. Host row: name, address, transport,
/// batch, status, before -> after, message, error kind, steps; step: phase,
/// name, command, message (indexes into "strings"), exit code, ok, attempts,
/// ms, stdout excerpt, stderr excerpt (interned: hosts in the same state
/// print the same text, so 10,000 hosts carry a few distinct excerpts).
std::string embedded_data(const run_report& r) {
    string_table strings;
    json hosts = json::array();
    for (const auto& host : r.hosts) {
        json steps = json::array();
        for (const auto& s : host.steps) {
            steps.push_back(json::array({strings(phase_name(s.in_phase)), strings(s.name), strings(s.command),
                                         strings(step_note(s)), s.exit_code ? json(*s.exit_code) : json(nullptr), s.ok,
                                         s.attempts, s.duration.count(),
                                         strings(shorten(s.stdout_excerpt, max_embedded_excerpt)),
                                         strings(shorten(s.stderr_excerpt, max_embedded_excerpt))}));
        }
        hosts.push_back(json::array({host.name, host.address,
                                     host.transport ? transport_name(*host.transport) : "", host.batch,
                                     status_word(host), changes_text(host),
                                     is_failure(host, r.mode) ? failure_message(host) : host.message,
                                     host.error ? to_string(*host.error) : "", steps}));
    }
    auto text = json{{"strings", strings.strings()}, {"hosts", hosts}}.dump(-1, ' ', false,
                                                                             json::error_handler_t::replace);
    // Inside <script>, only "</script" or "<!--" could end or confuse the
    // element; JSON allows \u003c for every '<', so none survives.
    std::string safe;
    safe.reserve(text.size());
    for (char c : text) {
        if (c == '<') safe += "\\u003c";
        else safe += c;
    }
    return safe;
}

std::string cards(const run_report& r) {
    std::string out = "<section class=\"cards\">";
    const int total = r.summary.count("total") ? r.summary.at("total") : 0;
    out += "<div class=\"card\"><b>" + std::to_string(total) + "</b><span>hosts</span></div>";
    for (const char* word : status_order) {
        const int n = r.summary.count(word) ? r.summary.at(word) : 0;
        if (n == 0) continue;
        out += std::string("<div class=\"card\" style=\"border-color:") + status_colour(word) + "\"><b>" +
               std::to_string(n) + "</b><span>" + word + "</span></div>";
    }
    return out + "</section>\n";
}

std::string fmt_px(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string timeline(const run_report& r) {
    std::optional<wall_time> first, last;
    for (const auto& b : r.batches) {
        if (b.started && (!first || *b.started < *first)) first = b.started;
        for (const auto& t : {b.started, b.finished})
            if (t && (!last || *t > *last)) last = t;
    }
    if (r.finished && (!last || *r.finished > *last)) last = r.finished;
    if (!first || !last) return "<p>No batch started.</p>\n";
    const double span_ms = std::max<double>(1.0, std::chrono::duration<double, std::milli>(*last - *first).count());
    const double left = 90, width = 640, row = 26;
    int rows = 0;
    for (const auto& b : r.batches) rows += b.started ? 1 : 0;
    std::string out = "<svg class=\"timeline\" role=\"img\" aria-label=\"batch timeline\" viewBox=\"0 0 1000 " +
                      fmt_px(rows * row + 24) + "\" width=\"100%\">";
    int y = 0;
    for (const auto& b : r.batches) {
        if (!b.started) continue;
        const auto end = b.finished ? *b.finished : *last;
        const double x0 = left + width * std::chrono::duration<double, std::milli>(*b.started - *first).count() / span_ms;
        const double w = std::max(2.0, width * std::chrono::duration<double, std::milli>(end - *b.started).count() / span_ms);
        // the bar is split by the statuses of the batch's hosts
        std::map<std::string, int> counts;
        int n = 0;
        for (const auto& host : r.hosts)
            if (host.batch == b.batch && (b.run_id.empty() || b.run_id == host.run_id)) ++counts[status_word(host)], ++n;
        const double top = y * row + 4;
        out += "<text x=\"4\" y=\"" + fmt_px(top + 14) + "\">batch " + std::to_string(b.batch) + "</text>";
        double x = x0;
        for (const char* word : status_order) {
            if (!counts.count(word) || n == 0) continue;
            const double part = w * counts[word] / n;
            out += "<rect x=\"" + fmt_px(x) + "\" y=\"" + fmt_px(top) + "\" width=\"" + fmt_px(part) +
                   "\" height=\"18\" fill=\"" + status_colour(word) + "\"><title>batch " + std::to_string(b.batch) +
                   ": " + std::to_string(counts[word]) + " " + word + "</title></rect>";
            x += part;
        }
        const auto took = duration_text(b.started, b.finished);
        std::string label = std::to_string(n) + " hosts, " + std::to_string(b.failures) + " failed, " +
                            (took.empty() ? std::string("unfinished") : took);
        if (b.halted) label += " — HALTED: " + b.reason;
        out += "<text x=\"" + fmt_px(std::min(x0 + w + 6, left + width + 6)) + "\" y=\"" + fmt_px(top + 14) +
               "\"" + (b.halted ? " class=\"halt\"" : "") + ">" + h(label) + "</text>";
        ++y;
    }
    out += "<text x=\"" + fmt_px(left) + "\" y=\"" + fmt_px(y * row + 18) + "\" class=\"axis\">" + format_time(*first) +
           "</text><text x=\"" + fmt_px(left + width) + "\" y=\"" + fmt_px(y * row + 18) +
           "\" class=\"axis\" text-anchor=\"end\">+" + duration_text(first, last) + "</text>";
    return out + "</svg>\n";
}

std::string failures(const run_report& r) {
    std::vector<const host_report*> list;
    for (const auto& host : r.hosts)
        if (is_failure(host, r.mode)) list.push_back(&host);
    if (list.empty()) return "";
    std::string out = "<section><h2>Failures (" + std::to_string(list.size()) + ")</h2>\n";
    for (std::size_t i = 0; i < list.size() && i < max_failure_cards; ++i) {
        const auto& host = *list[i];
        const auto word = status_word(host);
        out += std::string("<div class=\"fail\" style=\"border-color:") + status_colour(word) + "\"><b>" + h(host.name) +
               "</b> <span class=\"tag\">" + word + "</span>";
        if (host.error) out += " <span class=\"tag\">" + std::string(to_string(*host.error)) + "</span>";
        if (!host.finished && host.in_flight)
            out += "<p>Outcome unknown: " + std::string(phase_name(host.in_flight->in_phase)) + " step <q>" +
                   h(host.in_flight->name) + "</q> was running.</p>";
        else
            out += "<p>" + h(failure_message(host)) + "</p>";
        if (const auto* s = failed_step(host)) {
            out += "<p class=\"cmd\">" + std::string(phase_name(s->in_phase)) + " <q>" + h(s->name) + "</q>: <code>" +
                   h(s->command) + "</code>" + (s->exit_code ? " → exit " + std::to_string(*s->exit_code) : "") + "</p>";
            if (!s->stderr_excerpt.empty()) out += "<p>stderr:</p><pre>" + h(s->stderr_excerpt) + "</pre>";
            if (auto printed = cut_off_output(*s); !printed.empty())
                out += "<p>Printed before it was cut off:</p><pre>" + h(std::string(printed)) + "</pre>";
            else if (!s->stdout_excerpt.empty())
                out += "<p>stdout:</p><pre>" + h(s->stdout_excerpt) + "</pre>";
        }
        out += "</div>\n";
    }
    if (list.size() > max_failure_cards)
        out += "<p>… and " + std::to_string(list.size() - max_failure_cards) +
               " more: filter the host table by status.</p>\n";
    return out + "</section>\n";
}

constexpr const char* style = R"CSS(
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#111;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin:0}.meta code{font-size:12px}
.warn{background:#fee2e2;border:1px solid #dc2626;padding:8px;border-radius:6px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.card{background:#fff;border:1px solid #ddd;border-left-width:6px;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}.card span{color:#555}
.timeline text{font-size:12px;fill:#333}.timeline .halt{fill:#dc2626;font-weight:bold}.timeline .axis{fill:#777}
.fail{background:#fff;border:1px solid #ddd;border-left-width:6px;border-radius:6px;padding:8px 12px;margin:8px 0}
.fail p{margin:4px 0}.tag{font-size:12px;background:#eee;border-radius:4px;padding:1px 6px}
pre{background:#111;color:#eee;padding:8px;border-radius:4px;overflow:auto;max-height:240px;white-space:pre-wrap}
.tools{display:flex;gap:8px;align-items:center;margin-bottom:8px}.tools input{flex:1;padding:6px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{cursor:pointer;user-select:none;background:#f3f4f6;position:sticky;top:0}
tbody tr{cursor:pointer}tbody tr:hover{background:#f9fafb}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}
#detail{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin-top:8px}
#detail:empty{display:none}
.hint{color:#555;font-size:13px;margin:4px 0}.sha{color:#777;font-size:11px;word-break:break-all}
tr.out td{background:#fafafa}tr.out pre{max-height:none;margin:2px 0 6px}
@media print{
body{max-width:none;background:#fff;padding:0}
.tools,.pager,.hint,#detail{display:none}
pre{max-height:none;background:#fff;color:#000;border:1px solid #999}
th{position:static}tbody tr{break-inside:avoid}
}
)CSS";

constexpr const char* script = R"JS(
(function(){
'use strict';
var D=JSON.parse(document.getElementById('fm-data').textContent),S=D.strings;
var COLS=['host','address','transport','batch','status','before → after','message'];
var PAGE=100,page=0,sortCol=-1,asc=true,view=D.hosts.slice();
var q=document.getElementById('q'),st=document.getElementById('st'),body=document.getElementById('rows');
var info=document.getElementById('pageinfo'),detail=document.getElementById('detail');
function el(tag,text){var e=document.createElement(tag);if(text!==undefined)e.textContent=String(text);return e;}
var seen={};D.hosts.forEach(function(r){seen[r[4]]=(seen[r[4]]||0)+1;});
Object.keys(seen).sort().forEach(function(s){var o=el('option',s+' ('+seen[s]+')');o.value=s;st.appendChild(o);});
// Filtering and sorting work on the data, never on the DOM; the text a
// filter searches is built once per host, on the first search.
var hay=null;
function refilter(){
  var needle=q.value.toLowerCase(),want=st.value;
  if(needle&&!hay)hay=D.hosts.map(function(r){return (r[0]+' '+r[1]+' '+r[4]+' '+r[5]+' '+r[6]).toLowerCase();});
  var out=[];
  for(var i=0;i<D.hosts.length;i++){var r=D.hosts[i];
    if(want&&r[4]!==want)continue;
    if(needle&&hay[i].indexOf(needle)<0)continue;
    out.push(r);}
  view=out;resort();page=0;draw();
}
// One collator for every comparison: localeCompare with options builds one
// per call, which made sorting 10,000 hosts take seconds.
var coll=(typeof Intl!=='undefined'&&Intl.Collator)?new Intl.Collator(undefined,{numeric:true}):null;
function resort(){
  if(sortCol<0)return;
  var k=sortCol,cmp=coll?coll.compare:function(x,y){return x<y?-1:x>y?1:0;};
  view.sort(function(a,b){var x=a[k],y=b[k];
    var c=(typeof x==='number'&&typeof y==='number')?x-y:cmp(String(x),String(y));
    return asc?c:-c;});
}
function draw(){
  var pages=Math.max(1,Math.ceil(view.length/PAGE));if(page>=pages)page=pages-1;
  var frag=document.createDocumentFragment();
  view.slice(page*PAGE,(page+1)*PAGE).forEach(function(r){
    var tr=el('tr');for(var i=0;i<7;i++){tr.appendChild(el('td',r[i]));}
    tr.onclick=function(){show(r);};frag.appendChild(tr);});
  body.textContent='';body.appendChild(frag);
  info.textContent='page '+(page+1)+' of '+pages+' · '+view.length+' of '+D.hosts.length+' hosts';
}
function show(r){
  detail.textContent='';detail.appendChild(el('h3',r[0]+' — '+r[4]));
  if(r[7])detail.appendChild(el('p','error kind: '+r[7]));
  if(r[6])detail.appendChild(el('p',r[6]));
  if(r[5])detail.appendChild(el('p','before → after: '+r[5]));
  var t=el('table'),hr=el('tr');
  ['phase','step','command','exit','ok','attempts','ms','message'].forEach(function(c){hr.appendChild(el('th',c));});
  t.appendChild(hr);
  r[8].forEach(function(s){var tr=el('tr');
    [S[s[0]],S[s[1]],S[s[2]],s[4]===null?'-':s[4],s[5]?'yes':'NO',s[6],s[7],S[s[3]]].forEach(function(v){tr.appendChild(el('td',v));});
    t.appendChild(tr);
    [['stdout',S[s[8]]],['stderr',S[s[9]]]].forEach(function(o){if(!o[1])return;
      var pr=el('tr'),td=el('td');td.colSpan=8;td.appendChild(el('b',o[0]));td.appendChild(el('pre',o[1]));
      pr.className='out';pr.appendChild(td);t.appendChild(pr);});});
  detail.appendChild(t);detail.scrollIntoView({block:'nearest'});
}
document.querySelectorAll('#hosts th').forEach(function(th,i){th.onclick=function(){
  if(sortCol===i)asc=!asc;else{sortCol=i;asc=true;}resort();draw();};});
q.oninput=refilter;st.onchange=refilter;
document.getElementById('prev').onclick=function(){if(page>0){page--;draw();}};
document.getElementById('next').onclick=function(){page++;draw();};
// Printing shows every host of the current filter, not one page of them.
var paged=PAGE;
if(typeof window!=='undefined'&&window.addEventListener){
  window.addEventListener('beforeprint',function(){PAGE=Math.max(1,view.length);page=0;draw();});
  window.addEventListener('afterprint',function(){PAGE=paged;draw();});}
draw();
// The page is usable from here: tests and tests/bench/html_open read this mark.
if(document.body)document.body.setAttribute('data-rendered',String(Math.round(performance.now())));
if(typeof performance!=='undefined'&&performance.mark)performance.mark('fm-rendered');
})();
)JS";

}  // namespace

std::string render_html(const run_report& r) {
    std::string out;
    out.reserve(4096 + r.hosts.size() * 400);
    out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "script-src 'unsafe-inline'; img-src data:\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>fleetmend " +
           std::string(to_string(r.mode)) + " run " + h(r.run_id) + "</title>\n<style>" + style + "</style></head>\n<body>\n";
    out += "<header><h1>fleetmend " + std::string(to_string(r.mode)) + " run " + h(r.run_id) + "</h1>\n";
    auto digest = [](const file_digest& f) {
        return "<code>" + h(f.path) + "</code>" + (f.sha256.empty() ? "" : " <span class=\"sha\">sha256 " + h(f.sha256) + "</span>");
    };
    out += "<p class=\"meta\">playbook " + digest(r.playbook) + " · inventory " + digest(r.inventory) +
           (r.source_report.empty() ? "" : " · restores <code>" + h(r.source_report) + "</code>") +
           "</p>\n<p class=\"meta\">exit status <b id=\"exit\">" + std::to_string(run_exit_status(r)) + "</b> (" +
           h(run_exit_meaning(r)) + ")</p>\n<p class=\"meta\">started " + (r.started ? format_time(*r.started) : std::string("-")) +
           (r.finished ? " · took " + duration_text(r.started, r.finished) : std::string()) + " · fleetmend " +
           h(r.tool_version) + "</p>\n";
    for (const auto& row : context_rows(r))
        out += "<p class=\"meta\">" + h(row.label) + ": <code>" + h(row.text) + "</code></p>\n";
    for (const auto& s : r.sources)
        out += "<p class=\"meta\">merged from " + h(s.run_id) + " (<code>" + h(s.path) + "</code>)</p>\n";
    if (!r.complete)
        out += "<p class=\"warn\">This run stopped before it finished: resume it from its journal "
               "(<code>fleetmend resume</code>).</p>\n";
    else if (r.interrupted)
        out += "<p class=\"warn\">This run was interrupted: hosts not started were skipped.</p>\n";
    out += "</header>\n" + cards(r);
    out += "<section><h2>Timeline</h2>\n" + timeline(r) + "</section>\n";
    out += failures(r);
    if (r.scan && !r.scan->findings.empty()) {
        out += "<section><h2>Scan findings</h2>\n<table id=\"findings\"><thead><tr><th>Host</th><th>Findings</th>"
               "</tr></thead><tbody>\n";
        std::size_t shown = 0;
        for (const auto& host : r.hosts) {
            if (!r.scan->findings.contains(host.name) || ++shown > 1000) continue;
            out += "<tr><td>" + h(host.name) + "</td><td>" + h(findings_text(r, host)) + "</td></tr>\n";
        }
        out += "</tbody></table>" + (shown > 1000 ? std::string("<p>The JSON report lists every host.</p>") : std::string()) +
               "</section>\n";
    }
    out += "<section><h2>Hosts</h2>\n<div class=\"tools\"><input id=\"q\" type=\"search\" "
           "placeholder=\"filter by host, address, status, change or message\" aria-label=\"filter\">"
           "<select id=\"st\" aria-label=\"status\"><option value=\"\">every status</option></select></div>\n"
           "<table id=\"hosts\"><thead><tr><th>Host</th><th>Address</th><th>Transport</th><th>Batch</th>"
           "<th>Status</th><th>Before → after</th><th>Message</th></tr></thead><tbody id=\"rows\"></tbody></table>\n"
           "<div class=\"pager\"><button id=\"prev\" type=\"button\">‹ previous</button><span id=\"pageinfo\"></span>"
           "<button id=\"next\" type=\"button\">next ›</button></div>\n"
           "<p class=\"hint\">Click a row to open that host's detail below the table: every step with its command, "
           "exit code, stdout and stderr.</p>\n<div id=\"detail\"></div>\n"
           "<noscript><p>The host table needs JavaScript; the JSON report has the same data.</p></noscript>\n</section>\n";
    out += "<script type=\"application/json\" id=\"fm-data\">" + embedded_data(r) + "</script>\n";
    out += std::string("<script>") + script + "</script>\n</body></html>\n";
    return out;
}

}  // namespace fleetmend
