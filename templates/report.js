/* global document */
// Optional: filters the key timeline. The report reads completely without it.
(function () {
  var box = document.getElementById('tl-tools');
  var input = document.getElementById('tl-filter');
  var cited = document.getElementById('tl-cited');
  var count = document.getElementById('tl-count');
  var table = document.getElementById('key-timeline');
  if (!box || !input || !cited || !count || !table) return;
  var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
  function apply() {
    var q = (input.value || '').toLowerCase();
    var only = cited.checked;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!only || r.classList.contains('cited')) && (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = shown + ' of ' + rows.length + ' shown';
  }
  input.addEventListener('input', apply);
  cited.addEventListener('change', apply);
  box.hidden = false;
})();
