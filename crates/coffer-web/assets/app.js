// coffer's web page script: everything works without it; it adds a copy button, the live log
// of a running run (server-sent events), and a confirmation on destructive buttons. No inline
// script anywhere (the Content-Security-Policy forbids it).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Copy buttons: <button data-copy="ID"> copies the value of the element ID.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) return;
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.value).then(done, function () { target.select(); });
      } else {
        target.select();
        try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: copy by hand */ }
      }
    });
  });

  // Forms with data-confirm ask before they are sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // The live log: <pre data-events="URL"> appends `log` events; a `status` event ends it.
  var log = document.querySelector("pre[data-events]");
  if (log && window.EventSource) {
    var source = new EventSource(log.getAttribute("data-events"));
    var follow = function () {
      return log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    };
    source.addEventListener("log", function (event) {
      var atEnd = follow();
      log.appendChild(document.createTextNode(JSON.parse(event.data).text));
      if (atEnd) log.scrollTop = log.scrollHeight;
    });
    source.addEventListener("status", function (event) {
      var s = JSON.parse(event.data);
      source.close();
      var status = document.getElementById("run-status");
      if (status) {
        status.textContent = "";
        var badge = document.createElement("span");
        var good = s.status === "succeeded";
        var bad = ["failed", "timed_out", "cancelled"].indexOf(s.status) >= 0;
        badge.className = "badge" + (good ? " ok" : bad ? " bad" : "");
        badge.textContent = s.status;
        status.appendChild(badge);
      }
      var exit = document.getElementById("run-exit");
      if (exit && s.exit_code !== null) exit.textContent = String(s.exit_code);
      var duration = document.getElementById("run-duration");
      if (duration) duration.textContent = s.duration;
      var cancel = document.querySelector('form[action$="/cancel"]');
      if (cancel) cancel.remove();
      var live = document.getElementById("log-live");
      if (live) live.textContent = "The run has ended.";
    });
    source.onerror = function () {
      // The server ends the stream when the run ends or after a while; reconnecting would
      // replay from the first position, so stop and let a reload pick up.
      source.close();
    };
  }
});
