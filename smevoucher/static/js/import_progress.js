/* Live progress of a classified-enterprise list import.
 *
 * The page works without this script: it shows the counters as they were when it was
 * rendered, with a "刷新" link. With the script, while the import is queued or running,
 * it asks data-progress-url (JSON: status_label, total_rows, processed_rows,
 * accepted_rows, refused_rows, percent, finished) every second, updates the <progress>
 * bar and every [data-field] element, and reloads the page once the import has finished
 * so the refused rows show. The refresh hint is hidden while polling works.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var RETRY_MS = 5000;
  var MAX_FAILURES = 10;

  function setUp(box) {
    var url = box.getAttribute("data-progress-url");
    var status = box.getAttribute("data-status");
    if (!url || !window.fetch || status === "done" || status === "failed") {
      return;
    }
    var bar = box.querySelector("progress");
    var hint = box.querySelector("[data-refresh-hint]");
    var failures = 0;

    function showHint(shown) {
      if (hint) {
        hint.hidden = !shown;
      }
    }

    function show(data) {
      Object.keys(data).forEach(function (key) {
        var field = box.querySelector('[data-field="' + key + '"]');
        if (field) {
          field.textContent = String(data[key]);
        }
      });
      if (bar && data.total_rows) {
        bar.max = data.total_rows;
        bar.value = data.processed_rows;
        bar.textContent = data.percent + "%";
      }
    }

    function poll() {
      window
        .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          showHint(false);
          show(data);
          if (data.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          failures += 1;
          showHint(true);
          if (failures < MAX_FAILURES) {
            window.setTimeout(poll, RETRY_MS);
          }
        });
    }

    showHint(false);
    window.setTimeout(poll, INTERVAL_MS);
  }

  document.querySelectorAll("[data-import-progress]").forEach(setUp);
})();
