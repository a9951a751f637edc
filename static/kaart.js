// The participation map by touch, mouse or keyboard: a tap (click, Enter) on a dot shows the
// municipality's name and status with a link to its page, instead of leaving the map at once.
// Without this script a dot is a plain link to the municipality page.
// A tap beside a dot, on the invisible hit circles under the dots (eenzaamheid/site/pages/kaart.py,
// HIT_RADIUS: at least 24 x 24 CSS px on a phone), counts for the nearest dot; on a map without
// the info box (/kaart?weergave=aantal_jaren) it follows that dot's link.
(function () {
  var map = document.querySelector('svg.kaart');
  var info = document.getElementById('kaart-info');
  if (!map) return;

  function nearestLink(event) {
    var matrix = map.getScreenCTM();
    if (!matrix) return null;
    var point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    var best = null, bestDistance = Infinity;
    map.querySelectorAll('a .dot').forEach(function (dot) {
      var dx = dot.cx.baseVal.value - point.x, dy = dot.cy.baseVal.value - point.y;
      var distance = dx * dx + dy * dy;
      if (distance < bestDistance) { bestDistance = distance; best = dot; }
    });
    return best ? best.closest('a') : null;
  }

  function show(link) {
    var title = link.querySelector('title');
    var href = link.getAttribute('href') || link.getAttribute('xlink:href');
    info.textContent = '';
    var text = document.createElement('p');
    text.textContent = title ? title.textContent : '';
    var go = document.createElement('a');
    go.href = href;
    go.textContent = 'Naar de gemeentepagina';
    info.appendChild(text);
    info.appendChild(go);
    info.hidden = false;
    var current = map.querySelector('.dot.gekozen');
    if (current) current.classList.remove('gekozen');
    var dot = link.querySelector('.dot');
    if (dot) dot.classList.add('gekozen');
  }

  map.addEventListener('click', function (event) {
    var link = event.target.closest('a');
    if (!link && event.target.classList.contains('raak')) link = nearestLink(event);
    if (!link || !map.contains(link)) return;
    if (!info) {
      if (event.target.classList.contains('raak')) window.location.href = link.getAttribute('href');
      return;
    }
    event.preventDefault();
    show(link);
  });
})();
