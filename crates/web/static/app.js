// callaudit: progressive enhancement only. Every flow works without this script; with it the
// auditor's answers save as they are given, survive a closed tab or a dropped connection (kept in
// this browser until the server has them), and the player gains skip, speed and keyboard controls.
"use strict";

(function () {
  function autosave(form) {
    var key = "callaudit:" + form.getAttribute("data-autosave");
    // The save state sits in the bar that stays in view, outside the form.
    var status = form.querySelector("[data-save-status]") || document.querySelector("[data-save-status]");
    var timer = null;
    var sending = false;

    // A warning reads as one: not in the green of "Saved".
    function say(text, warning) {
      if (status) {
        status.textContent = text;
        status.classList.toggle("is-warning", !!warning);
      }
    }

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
        say("Not saved yet: no connection. Your answers are kept in this browser and will be sent when the connection returns.", true);
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
    // The keys work wherever the focus is, except where a key types text or picks an option: a
    // radio button or a checkbox with the focus is not typing.
    document.addEventListener("keydown", function (e) {
      var el = e.target, t = el.tagName;
      var typing = t === "TEXTAREA" || t === "SELECT" || el.isContentEditable ||
        (t === "INPUT" && !/^(radio|checkbox|button|submit|reset|range)$/.test(el.type));
      if (e.ctrlKey || e.metaKey || e.altKey || typing) { return; }
      if (e.key === "k") { if (audio.paused) { audio.play(); } else { audio.pause(); } e.preventDefault(); }
      if (e.key === "j") { skip(-5); e.preventDefault(); }
      if (e.key === "l") { skip(5); e.preventDefault(); }
    });
  }

  function playFrom(audio, to) {
    audio.currentTime = Math.max(0, to);
    var played = audio.play();
    if (played && played.catch) { played.catch(function () {}); }
  }

  // A transcript line's or a log entry's time becomes a button that plays the recording from
  // there; a log entry written after the recording ends keeps its time as text.
  function seeker(span) {
    var audio = document.getElementById("player");
    if (!audio) { return; }
    var at = parseFloat(span.getAttribute("data-seek"));
    var b = document.createElement("button");
    b.type = "button";
    b.className = "seek-button";
    b.textContent = span.textContent;
    b.setAttribute("aria-label", "Play from " + span.textContent);
    b.addEventListener("click", function () { playFrom(audio, at); });
    span.replaceWith(b);
    function fit() {
      if (audio.duration && isFinite(audio.duration) && at > audio.duration) { b.replaceWith(span); }
    }
    fit();
    audio.addEventListener("loadedmetadata", fit);
  }

  function clock(s) {
    s = Math.max(0, Math.round(s));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  // The recording's waveform with its long silences shaded, and a button per silence that plays
  // from two seconds before it, so the panel hears what led into the silence.
  function timeline(box) {
    var audio = document.getElementById(box.getAttribute("data-timeline"));
    if (!audio) { return; }
    var canvas = box.querySelector("canvas");
    var summary = box.querySelector("[data-timeline-summary]");
    var list = box.querySelector("[data-silences]");
    var data = null, loading = false;
    box.hidden = false;

    function duration() { return (data && data.analysis.duration_s) || audio.duration || 0; }

    function draw() {
      if (!data || !canvas.getContext) { return; }
      var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, d = duration();
      var peaks = data.waveform.peaks;
      ctx.clearRect(0, 0, w, h);
      ctx.fillStyle = "rgba(212, 53, 28, 0.18)";
      data.analysis.silences.forEach(function (s) {
        ctx.fillRect(w * s.start_s / d, 0, Math.max(2, w * (s.end_s - s.start_s) / d), h);
      });
      ctx.fillStyle = "#505a5f";
      var bar = w / Math.max(1, peaks.length);
      peaks.forEach(function (p, i) {
        var top = h / 2 - p[1] * h / 2, bottom = h / 2 - p[0] * h / 2;
        ctx.fillRect(i * bar, top, Math.max(1, bar), Math.max(1, bottom - top));
      });
      if (d > 0) {
        ctx.fillStyle = "#0b0c0c";
        ctx.fillRect(w * audio.currentTime / d - 1, 0, 2, h);
      }
    }

    function jump(to) { playFrom(audio, to); }

    function show(json) {
      data = json;
      var a = json.analysis, n = a.silences.length;
      canvas.hidden = false;
      summary.textContent = n === 0
        ? "No silence of " + a.min_seconds + " seconds or more in this call."
        : n + (n === 1 ? " silence" : " silences") + " of " + a.min_seconds +
          " seconds or more; the longest lasts " + Math.round(a.longest_silence_s) + " seconds.";
      list.textContent = "";
      a.silences.forEach(function (s, i) {
        var li = document.createElement("li"), b = document.createElement("button");
        b.type = "button";
        b.className = "button secondary";
        b.textContent = "Silence " + (i + 1) + ": " + clock(s.start_s) + " to " + clock(s.end_s) +
          " (" + Math.round(s.end_s - s.start_s) + " s). Play from " + clock(s.start_s - 2);
        b.setAttribute("data-start", String(s.start_s));
        b.addEventListener("click", function () { jump(s.start_s - 2); });
        li.appendChild(b);
        list.appendChild(li);
      });
      draw();
    }

    function load() {
      if (data || loading) { return; }
      loading = true;
      var button = box.querySelector("[data-show-silences]");
      if (button) { button.hidden = true; }
      summary.textContent = "Measuring the silences…";
      fetch(box.getAttribute("data-analysis"), { credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
        .then(function (r) {
          if (r.ok) { show(r.json); } else { summary.textContent = r.json.error || "The silences could not be measured."; }
        })
        .catch(function () { summary.textContent = "The silences could not be measured: the server did not answer."; loading = false; });
    }

    canvas.addEventListener("click", function (e) {
      var rect = canvas.getBoundingClientRect();
      if (rect.width > 0 && duration() > 0) { jump(duration() * (e.clientX - rect.left) / rect.width); }
    });
    audio.addEventListener("timeupdate", draw);
    audio.addEventListener("seeked", draw);
    if (box.hasAttribute("data-lazy")) {
      var button = box.querySelector("[data-show-silences]");
      if (button) { button.addEventListener("click", load); }
      audio.addEventListener("play", load);
    } else {
      load();
    }
  }

  document.querySelectorAll("form[data-autosave]").forEach(autosave);
  document.querySelectorAll("[data-timeline]").forEach(timeline);
  document.querySelectorAll("[data-seek]").forEach(seeker);
  document.querySelectorAll("[data-player]").forEach(player);
  // As the Design System does: a page shown again with its problems starts at their summary, so
  // a screen reader reads them first and each links to its field.
  var summary = document.querySelector(".error-summary[tabindex], #unanswered[tabindex]");
  if (summary) {
    summary.focus();
    // A link to a field focuses the field itself (following a fragment only scrolls to it), with
    // its label or the date's legend in view above it.
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (e) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        e.preventDefault();
        var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
        var label = legend || document.querySelector("label[for='" + field.id + "']") || field;
        label.scrollIntoView();
        field.focus({ preventScroll: true });
      });
    });
  }
})();
