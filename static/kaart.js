// The participation map by touch, mouse or keyboard: a tap (click, Enter) on a dot shows the
// municipality's name and status with a link to its page, instead of leaving the map at once.
// Without this script a dot is a plain link to the municipality page.
(function () {
  var map = document.querySelector('svg.kaart');
  var info = document.getElementById('kaart-info');
  if (!map || !info) return;
  map.addEventListener('click', function (event) {
    var link = event.target.closest('a');
    if (!link || !map.contains(link)) return;
    event.preventDefault();
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
  });
})();
