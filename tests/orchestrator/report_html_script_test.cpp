// Runs the HTML page's own script under node with a minimal DOM stand-in:
// the host table filters, sorts and pages over 10,000 hosts, quickly.
// The page in a real browser: tests/integration/rollout/html_chromium_test.cpp
// (headless Chromium); figures at 10,000 hosts: tests/bench/html_open.
#include "orchestrator/report/render.hpp"
#include "report_fixture.hpp"
#include "tests/support/test_skip.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace fleetmend;
using fleetmend::test::fixture_events;
using fleetmend::test::fixture_time;

namespace {

constexpr const char* dom_stand_in = R"JS(
const fs=require('fs');
const html=fs.readFileSync(process.argv[2],'utf8');
const t0=Date.now();
const data=html.match(/<script type="application\/json" id="fm-data">([^]*?)<\/script>/)[1];
const scripts=[...html.matchAll(/<script>([^]*?)<\/script>/g)];
function mk(tag){return {tag,kids:[],style:{},textContent:'',value:'',colSpan:1,
  appendChild(c){if(c.tag==='frag')this.kids.push(...c.kids);else this.kids.push(c);return c;},scrollIntoView(){}};}
const els={};
['q','st','rows','pageinfo','detail','prev','next'].forEach(id=>els[id]=mk(id));
els['fm-data']={textContent:data};
const ths=[0,1,2,3,4,5,6].map(()=>mk('th'));
const rows=els.rows;
Object.defineProperty(rows,'textContent',{set(v){this.kids=[];},get(){return '';}});
global.document={getElementById:id=>els[id],createElement:mk,createDocumentFragment:()=>mk('frag'),querySelectorAll:()=>ths};
const on={};global.window={addEventListener:(name,f)=>{on[name]=f;}};
new Function(scripts[scripts.length-1][1])();
const out={first_draw_ms:Date.now()-t0,info:els.pageinfo.textContent,rows:rows.kids.length};
els.st.value='failed';els.st.onchange();out.failed=els.pageinfo.textContent;
els.st.value='';els.q.value='host9999';els.q.oninput();out.search=els.pageinfo.textContent;
out.search_first=rows.kids[0].kids[0].textContent;
els.q.value='';els.q.oninput();ths[0].onclick();ths[0].onclick();out.desc_first=rows.kids[0].kids[0].textContent;
els.next.onclick();out.page2=els.pageinfo.textContent;
rows.kids[0].onclick();out.detail=els.detail.kids[0].textContent;
on.beforeprint();out.print_rows=rows.kids.length;on.afterprint();out.after_print_rows=rows.kids.length;
console.log(JSON.stringify(out));
)JS";

std::string run(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    std::string out;
    if (!pipe) return out;
    std::array<char, 4096> buf{};
    while (auto n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    return out;
}

}  // namespace

TEST_CASE("the HTML host table filters, sorts and pages 10,000 hosts", "[report][unit]") {
    fleetmend::test::skip_unless_executable("/usr/bin/node", "nodejs");
    auto events = fixture_events();
    auto& start = std::get<run_started>(events.front());
    std::vector<std::string> big;
    for (int i = 0; i < 10000; ++i) big.push_back("host" + std::to_string(i));
    start.batches.push_back(big);
    events.pop_back();
    events.emplace_back(batch_started{4, fixture_time(8)});
    for (int i = 0; i < 10000; ++i) {
        const auto name = "host" + std::to_string(i);
        events.emplace_back(host_started{name, "10.0.0.1", transport_kind::winrm, 4, fixture_time(8)});
        events.emplace_back(host_finished{name, i % 10 == 0 ? host_status::failed : host_status::changed,
                                          std::nullopt, "x", fixture_time(9)});
    }
    events.emplace_back(run_finished{false, fixture_time(10)});

    const auto dir = std::filesystem::temp_directory_path() / ("fleetmend-html-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "page.html") << render_html(build_report(events));
    std::ofstream(dir / "dom.js") << dom_stand_in;
    const auto out = run("/usr/bin/node " + (dir / "dom.js").string() + " " + (dir / "page.html").string() + " 2>&1");
    std::filesystem::remove_all(dir);

    INFO(out);
    const auto result = nlohmann::json::parse(out, nullptr, false);
    REQUIRE_FALSE(result.is_discarded());
    CHECK(result["info"] == "page 1 of 101 · 10006 of 10006 hosts");
    CHECK(result["rows"] == 100);  // one page of rows, not 10,000
    CHECK(result["failed"] == "page 1 of 11 · 1001 of 10006 hosts");
    CHECK(result["search"] == "page 1 of 1 · 1 of 10006 hosts");
    CHECK(result["search_first"] == "host9999");
    CHECK(result["desc_first"] == "web06");
    CHECK(result["page2"] == "page 2 of 101 · 10006 of 10006 hosts");
    CHECK(result["print_rows"] == 10006);  // printing shows every host, not one page
    CHECK(result["after_print_rows"] == 100);
    CHECK(result["first_draw_ms"].get<int>() < 2000);
    WARN("HTML script, 10,000 hosts: parse + first page in " << result["first_draw_ms"] << " ms (node)");
}
