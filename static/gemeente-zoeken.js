// Municipality suggestions as you type, in every search box for municipalities (form.zoek
// input[name=q]): a <datalist> filled from /gemeenten.json, matching like the server does
// (case, accents and hyphens ignored; name or CBS code). Picking a name and pressing Enter
// goes straight to its page: the server redirects when exactly one municipality matches.
(function () {
  var inputs = document.querySelectorAll('form.zoek input[name=q]');
  if (!inputs.length) return;
  var all = null;
  function normalize(text) {
    return (text || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[^0-9a-z]+/g, ' ').trim();
  }
  function load() {
    if (all) return Promise.resolve(all);
    return fetch(document.documentElement.dataset.gemeentenJson || '/gemeenten.json')
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        all = rows.map(function (g) { return {naam: g.naam, code: g.code, provincie: g.provincie, zoek: normalize(g.naam)}; });
        return all;
      });
  }
  inputs.forEach(function (input, i) {
    var list = document.createElement('datalist');
    list.id = 'gemeente-suggesties-' + i;
    input.setAttribute('list', list.id);
    input.setAttribute('autocomplete', 'off');
    input.parentNode.appendChild(list);
    input.addEventListener('input', function () {
      var q = normalize(input.value), compact = q.replace(/ /g, '');
      if (!q) { list.textContent = ''; return; }
      load().then(function (rows) {
        var hits = rows.filter(function (g) {
          return g.zoek.indexOf(q) >= 0 || g.zoek.replace(/ /g, '').indexOf(compact) >= 0
            || g.code.toLowerCase().indexOf(compact) >= 0;
        }).sort(function (a, b) {
          return (a.zoek.indexOf(q) === 0 ? 0 : 1) - (b.zoek.indexOf(q) === 0 ? 0 : 1) || a.zoek.localeCompare(b.zoek);
        }).slice(0, 12);
        list.textContent = '';
        hits.forEach(function (g) {
          var option = document.createElement('option');
          option.value = g.naam;
          option.label = g.code + ' · ' + g.provincie;
          list.appendChild(option);
        });
      });
    });
  });
})();
