// callaudit: progressive enhancement only. Every flow works without this script; with it the
// auditor's answers save as they are given, survive a closed tab or a dropped connection (kept in
// this browser until the server has them), and the player gains skip, speed and keyboard controls.
"use strict";

(function () {
  function autosave(form) {
    var key = "callaudit:" + form.getAttribute("data-autosave");
    var status = form.querySelector("[data-save-status]");
    var timer = null;
    var sending = false;

    function say(text) { if (status) { status.textContent = text; } }

    function body() { return new URLSearchParams(new FormData(form)); }

    function restore() {
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
      if (!saved) { return false; }
      saved.forEach(function (pair) {
        var name = pair[0], value = pair[1];
        if (name === "csrf") { return; }
        form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") {
            if (el.value === value) { el.checked = true; }
          } else if (el.tagName === "TEXTAREA" || el.type === "text") {
            el.value = value;
          }
        });
      });
      return true;
    }

    function send() {
      if (sending) { timer = setTimeout(send, 300); return; }
      var data = body();
      var pairs = [];
      data.forEach(function (v, k) { pairs.push([k, v]); });
      try { localStorage.setItem(key, JSON.stringify(pairs)); } catch (e) { /* storage full or off */ }
      sending = true;
      say("Saving…");
      fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (res) {
        var type = res.headers.get("content-type") || "";
        if (!res.ok || type.indexOf("application/json") !== 0) { throw new Error("status " + res.status); }
        return res.json();
      }).then(function () {
        localStorage.removeItem(key);
        say("Saved at " + new Date().toLocaleTimeString("en-GB"));
      }).catch(function () {
        say("Not saved yet: no connection. Your answers are kept in this browser and will be sent when the connection returns.");
      }).then(function () { sending = false; });
    }

    function later() { clearTimeout(timer); timer = setTimeout(send, 400); }

    form.addEventListener("change", later);
    form.addEventListener("input", function (e) {
      if (e.target.tagName === "TEXTAREA") { clearTimeout(timer); timer = setTimeout(send, 1500); }
    });
    window.addEventListener("online", function () { if (localStorage.getItem(key)) { send(); } });
    if (restore()) { send(); }
  }

  function player(controls) {
    var audio = document.getElementById(controls.getAttribute("data-player"));
    if (!audio) { return; }
    controls.hidden = false;
    function skip(s) { audio.currentTime = Math.max(0, Math.min((audio.duration || 0), audio.currentTime + s)); }
    controls.querySelectorAll("[data-skip]").forEach(function (b) {
      b.addEventListener("click", function () { skip(parseFloat(b.getAttribute("data-skip"))); });
    });
    var speed = controls.querySelector("[data-speed]");
    if (speed) { speed.addEventListener("change", function () { audio.playbackRate = parseFloat(speed.value); }); }
    document.addEventListener("keydown", function (e) {
      var t = e.target.tagName;
      if (e.ctrlKey || e.metaKey || e.altKey || t === "INPUT" || t === "TEXTAREA" || t === "SELECT") { return; }
      if (e.key === "k") { if (audio.paused) { audio.play(); } else { audio.pause(); } e.preventDefault(); }
      if (e.key === "j") { skip(-5); e.preventDefault(); }
      if (e.key === "l") { skip(5); e.preventDefault(); }
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach(autosave);
  document.querySelectorAll("[data-player]").forEach(player);
})();
