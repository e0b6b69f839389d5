// Inserted by tests/bench/html_open at the end of a copy of the page: once
// the page's own script has drawn the table, it times what a reader does
// (filter by text, filter by status, sort by a column, next page, open a
// host) and leaves the figures in <html data-fm-bench="..."> for --dump-dom.
(function(){
  // each figure includes the style and layout work the change forces
  function ms(f){var t=performance.now();f();void document.body.offsetHeight;return Math.round((performance.now()-t)*10)/10;}
  function fire(el,type){el.dispatchEvent(new Event(type));}
  var nav=performance.getEntriesByType('navigation')[0];
  var r={rendered_ms:Number(document.body.getAttribute('data-rendered')),
         file_read_ms:nav?Math.round(nav.responseEnd):-1};
  var q=document.getElementById('q'),st=document.getElementById('st');
  r.filter_text_ms=ms(function(){q.value='win09999';fire(q,'input');});
  r.filter_text_rows=document.querySelectorAll('#rows tr').length;
  r.clear_filter_ms=ms(function(){q.value='';fire(q,'input');});
  r.filter_status_ms=ms(function(){st.value='failed';fire(st,'change');});
  r.clear_status_ms=ms(function(){st.value='';fire(st,'change');});
  var th=document.querySelectorAll('#hosts th')[0];
  r.sort_host_desc_ms=ms(function(){th.click();th.click();});
  r.next_page_ms=ms(function(){document.getElementById('next').click();});
  r.open_host_ms=ms(function(){document.querySelector('#rows tr').click();});
  r.page_info=document.getElementById('pageinfo').textContent;
  r.rows_in_dom=document.querySelectorAll('#rows tr').length;
  document.documentElement.setAttribute('data-fm-bench',JSON.stringify(r));
})();
