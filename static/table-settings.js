// Datasette's table.js reads this global; table.html set it in an inline script, which the
// content security policy does not allow. The value comes from the tag's data attribute.
window.DATASETTE_ALLOW_FACET = document.currentScript.dataset.allowFacet === "true";
