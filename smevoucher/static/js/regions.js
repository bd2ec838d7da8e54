/* Cascading province → city → district selects.
 *
 * The page works without this script: each select lists the children of the value chosen
 * above it, and a "更新下级地区" submit button re-renders the form. With the script, a change
 * fetches the children (GET data-regions-url?parent=<code> → [{code, name}]) and fills
 * the next select at once, so the button and its hint are hidden (shown again if a fetch
 * fails).
 */
(function () {
  "use strict";

  function clearOptions(select) {
    // The first option is the prompt ("请选择…"); the rest are regions.
    while (select.options.length > 1) {
      select.remove(1);
    }
    select.value = "";
  }

  function fillOptions(select, rows) {
    rows.forEach(function (row) {
      select.add(new Option(row.name, row.code));
    });
  }

  function setUp(group) {
    var url = group.getAttribute("data-regions-url");
    var selects = Array.prototype.slice.call(
      group.querySelectorAll("select[data-region-level]")
    );
    var pick = group.querySelector("[data-region-pick]");
    var hint = group.querySelector("[data-region-pick-hint]");
    if (!url || selects.length < 2 || !window.fetch) {
      return;
    }
    // The button sits inside its hint; both go when the script fills the selects itself.
    function showPick(shown) {
      (hint || pick || {}).hidden = !shown;
    }
    showPick(false);
    var ticket = 0;

    selects.forEach(function (select, index) {
      select.addEventListener("change", function () {
        var below = selects.slice(index + 1);
        below.forEach(clearOptions);
        if (below.length === 0 || !select.value) {
          return;
        }
        var mine = ++ticket;
        fetch(url + "?parent=" + encodeURIComponent(select.value), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("regions: HTTP " + response.status);
            }
            return response.json();
          })
          .then(function (rows) {
            if (mine === ticket) {
              fillOptions(below[0], rows);
            }
          })
          .catch(function () {
            // Fall back to the server: the button re-renders the form with the children.
            showPick(true);
          });
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-region-selects]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
