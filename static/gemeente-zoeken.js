// Municipality suggestions as you type, in every search box for municipalities (form.zoek
// input[name=q]): a <datalist> filled from /gemeenten.json, matching like the server does
// (case, accents and hyphens ignored; name or CBS code). Besides the official names it knows the
// resolver's aliases ('Den Haag' -> 's-Gravenhage), the provinces and former municipalities
// (marked, with their successor). Picking one and pressing Enter goes straight to its page: the
// server redirects when exactly one municipality or a province matches.
(function () {
  var inputs = document.querySelectorAll('form.zoek input[name=q]');
  if (!inputs.length) return;
  var all = null;
  var RANK = {alias: 0, provincie: 1, opgeheven: 2};  // after the current municipalities
  function normalize(text) {
    return (text || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[^0-9a-z]+/g, ' ').trim();
  }
  function describe(g) {
    if (g.soort === 'alias') return {value: g.naam, label: g.officieel + ' · ' + g.code + ' · ' + g.provincie};
    if (g.soort === 'provincie') return {value: 'provincie ' + g.naam, label: 'provinciepagina'};
    if (g.soort === 'opgeheven') return {value: g.naam, label: 'voormalige gemeente, opgegaan in ' + g.opvolger};
    return {value: g.naam, label: g.code + ' · ' + g.provincie};
  }
  function load() {
    if (all) return Promise.resolve(all);
    return fetch(document.documentElement.dataset.gemeentenJson || '/gemeenten.json')
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        all = rows.map(function (g) {
          var d = describe(g);
          return {value: d.value, label: d.label, code: g.code, zoek: normalize(g.naam),
                  rang: g.soort ? 1 + RANK[g.soort] : 0};
        });
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
        var seen = {};
        var hits = rows.filter(function (g) {
          return g.zoek.indexOf(q) >= 0 || g.zoek.replace(/ /g, '').indexOf(compact) >= 0
            || g.code.toLowerCase().indexOf(compact) >= 0;
        }).sort(function (a, b) {
          return (a.zoek.indexOf(q) === 0 ? 0 : 1) - (b.zoek.indexOf(q) === 0 ? 0 : 1) || a.rang - b.rang
            || a.zoek.localeCompare(b.zoek);
        }).filter(function (g) {
          if (seen[g.value]) return false;
          seen[g.value] = true;
          return true;
        }).slice(0, 12);
        list.textContent = '';
        hits.forEach(function (g) {
          var option = document.createElement('option');
          option.value = g.value;
          option.label = g.label;
          list.appendChild(option);
        });
      });
    });
  });
})();
