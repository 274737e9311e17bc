// Progressive enhancement of the questionnaire form; the page works without
// it (a plain form post with server-side errors). With it, the participant
// gets: a draft kept on the device (a reload or a dropped network loses
// nothing), a pointer to missing answers before sending, and a JSON submit
// that retries with the same submission_id (the server answers a retry with
// 200 already_recorded, so retrying can never store twice).
(function () {
  "use strict";
  var form = document.getElementById("qform");
  if (!form || !window.fetch || !window.JSON || !document.querySelector) {
    return; // an old browser: the plain form post still works
  }
  var i18n = {};
  try {
    i18n = JSON.parse(document.getElementById("i18n").textContent);
  } catch (e) {}
  var slug = form.getAttribute("data-slug");
  var lang = form.getAttribute("data-lang");
  var token = form.elements.t ? form.elements.t.value : "";
  var draftKey = "seminareval.draft." + slug + (token ? "." + token : "");
  var button = form.querySelector("button[type=submit]");
  var buttonLabel = button.textContent;
  var alertBox = document.getElementById("js-alert");
  var netError = document.getElementById("net-error");
  // Waits before each retry of a failed send; a weak network gets a few
  // chances before the participant is told.
  var retryDelays = [800, 2000, 4000];
  var sending = false;

  function storage() {
    try {
      return window.localStorage; // throws in some private modes
    } catch (e) {
      return null;
    }
  }

  function fieldsets() {
    return form.querySelectorAll("fieldset.q");
  }

  // --- draft -------------------------------------------------------------

  function collectValues() {
    var values = {};
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.name.indexOf("q.") !== 0) continue;
      var key = el.name.slice(2);
      if (el.type === "radio" || el.type === "checkbox") {
        if (!el.checked) continue;
        (values[key] = values[key] || []).push(el.value);
      } else if (el.value !== "") {
        values[key] = [el.value];
      }
    }
    return values;
  }

  function saveDraft() {
    var s = storage();
    if (!s) return;
    try {
      s.setItem(draftKey, JSON.stringify({
        submission_id: form.elements.submission_id.value,
        values: collectValues()
      }));
    } catch (e) {} // quota full: the form still works
  }

  function clearDraft() {
    var s = storage();
    if (s) {
      try { s.removeItem(draftKey); } catch (e) {}
    }
  }

  function restoreDraft() {
    var s = storage();
    if (!s || document.getElementById("form-errors")) {
      return; // the server re-rendered a posted form: its values win
    }
    var draft;
    try {
      draft = JSON.parse(s.getItem(draftKey) || "null");
    } catch (e) {
      return;
    }
    if (!draft || !draft.values) return;
    var restored = false;
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.name.indexOf("q.") !== 0) continue;
      var vals = draft.values[el.name.slice(2)];
      if (!vals) continue;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = vals.indexOf(el.value) >= 0;
        restored = restored || el.checked;
      } else {
        el.value = vals[0];
        restored = true;
      }
    }
    // Keeping the submission_id of an attempt that may have reached the
    // server makes a resend after a reload a harmless retry.
    if (draft.submission_id) {
      form.elements.submission_id.value = draft.submission_id;
    }
    if (restored) {
      document.getElementById("draft-note").hidden = false;
    }
  }

  // --- skip logic -----------------------------------------------------------
  // Sections and questions with data-relevant carry their condition as the
  // tree service.Expr writes: ["and", a, b], ["=", ["ref","k"], ["num",2]],
  // ["selected", ["ref","k"], "v"]. They are shown or hidden in page order;
  // a hidden question's answers are cleared, so they are neither sent nor
  // kept in the draft. Without JavaScript every question shows its condition
  // in words (.cond) and the server applies it.

  var numericTypes = { likert: 1, rating: 1, nps: 1, number: 1 };

  function isHidden(el) {
    return !!(el.closest && el.closest("[hidden]"));
  }

  // fold turns full-width digits and signs (a Chinese keyboard's １２．５)
  // into ASCII and trims, as the server's width.Fold and TrimSpace do.
  function fold(s) {
    return String(s).replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/^\s+|\s+$/g, "");
  }

  // toNumber reads a number as the server does: one decimal comma; NaN
  // for anything else ("12abc").
  function toNumber(s) {
    var t = fold(s);
    if (t.indexOf(".") < 0 && t.split(",").length === 2) t = t.replace(",", ".");
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : NaN;
  }

  // toDate writes a date typed where the phone has no date picker as the
  // server's form path reads it (2018/1/16, 2018年1月16日 → 2018-01-16);
  // anything else is sent as typed, for the server to name.
  function toDate(s) {
    var t = fold(s);
    var m = /^(\d{4})\s*[-\/.年]\s*(\d{1,2})\s*[-\/.月]\s*(\d{1,2})\s*日?$/.exec(t);
    if (!m) return t;
    return m[1] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[3]).slice(-2);
  }

  function refValue(key, vals) {
    var v = vals[key];
    if (!v || !v.list.length) return null;
    return v.num ? toNumber(v.list[0]) : v.list.join(" ");
  }

  function operand(e, vals) {
    if (e[0] === "ref") return refValue(e[1], vals);
    if (e[0] === "count-selected") return vals[e[1][1]] ? vals[e[1][1]].list.length : 0;
    return e[1]; // num, str
  }

  function holds(e, vals) {
    switch (e[0]) {
      case "or": return holds(e[1], vals) || holds(e[2], vals);
      case "and": return holds(e[1], vals) && holds(e[2], vals);
      case "not": return !holds(e[1], vals);
      case "selected": return !!vals[e[1][1]] && vals[e[1][1]].list.indexOf(String(e[2])) >= 0;
    }
    var a = operand(e[1], vals), b = operand(e[2], vals);
    if (a === null || b === null || (typeof a === "number" && isNaN(a)) || (typeof b === "number" && isNaN(b))) {
      var o = a === null ? b : a; // unanswered equals only ''
      return e[0] === "=" && o === "";
    }
    if (typeof a === "number" || typeof b === "number") {
      a = parseFloat(a); b = parseFloat(b);
      if (isNaN(a) || isNaN(b)) return false;
    }
    switch (e[0]) {
      case "=": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
    }
    return false;
  }

  function clearInputs(el) {
    var inputs = el.querySelectorAll("input, textarea");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].type === "radio" || inputs[i].type === "checkbox") inputs[i].checked = false;
      else inputs[i].value = "";
    }
  }

  function applyLogic() {
    var raw = collectValues();
    var vals = {};
    var nodes = form.querySelectorAll("section.section, fieldset.q, div.note");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var cond = el.getAttribute("data-relevant");
      if (cond) {
        var on = false;
        try { on = holds(JSON.parse(cond), vals); } catch (e) { on = true; }
        if (el.hidden !== !on) {
          el.hidden = !on;
          if (!on) clearInputs(el);
        }
      }
      var key = el.getAttribute("data-key");
      var other = el.getAttribute("data-other");
      if (other) { // the "please specify" box only once "Other" is chosen
        var box = el.querySelector("input.other");
        var chosen = !!raw[key] && raw[key].indexOf("other") >= 0;
        if (box.hidden === chosen) {
          box.hidden = !chosen;
          if (!chosen) box.value = "";
        }
      }
      if (el.tagName === "FIELDSET" && key && !isHidden(el) && raw[key]) {
        var list = raw[key].filter(function (x) { return x.replace(/\s+/g, "") !== "" && x !== "na"; });
        if (el.getAttribute("data-type") === "date") list = list.map(toDate);
        vals[key] = { list: list, num: !!numericTypes[el.getAttribute("data-type")] };
      }
    }
    var n = 0, nums = form.querySelectorAll("fieldset.q .num"); // number what is on show
    for (var j = 0; j < nums.length; j++) {
      if (!isHidden(nums[j])) nums[j].textContent = ++n + ".";
    }
  }

  // --- answers and missing ones -----------------------------------------

  function answered(fs) {
    var inputs = fs.querySelectorAll("input, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) return true;
      } else if (el.value.replace(/\s+/g, "") !== "") {
        return true;
      }
    }
    return false;
  }

  // buildAnswers gives each question the JSON type of the contract:
  // numbers for likert, rating and nps (or "na"), a list for multi, strings
  // for the rest. Unanswered questions are left out.
  function buildAnswers() {
    var values = collectValues();
    var answers = {};
    var list = fieldsets();
    for (var i = 0; i < list.length; i++) {
      if (isHidden(list[i])) continue;
      var key = list[i].getAttribute("data-key");
      var type = list[i].getAttribute("data-type");
      var v = values[key];
      var other = list[i].getAttribute("data-other");
      if (other && values[other] && v && v.indexOf("other") >= 0 && values[other][0].replace(/\s+/g, "") !== "") {
        answers[other] = values[other][0];
      }
      if (!v || !v.length) continue;
      if (type === "number") {
        var n = toNumber(v[0]);
        answers[key] = isNaN(n) ? v[0] : n; // the server names what is not a number
      } else if (type === "date") {
        if (v[0].replace(/\s+/g, "") !== "") answers[key] = toDate(v[0]);
      } else if (type === "multi") {
        answers[key] = v;
      } else if ((type === "likert" || type === "rating" || type === "nps") && v[0] !== "na") {
        answers[key] = parseInt(v[0], 10);
      } else if (type === "text" || type === "longtext") {
        if (v[0].replace(/\s+/g, "") !== "") answers[key] = v[0];
      } else {
        answers[key] = v[0];
      }
    }
    return answers;
  }

  function setFieldError(fs, message) {
    fs.classList.add("has-error");
    var id = "err-" + fs.getAttribute("data-key");
    var p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.className = "err";
      p.id = id;
      var legend = fs.querySelector("legend");
      var help = fs.querySelector(".help");
      var after = help || legend;
      after.parentNode.insertBefore(p, after.nextSibling);
    }
    p.textContent = message;
  }

  function clearFieldError(fs) {
    fs.classList.remove("has-error");
    var p = document.getElementById("err-" + fs.getAttribute("data-key"));
    if (p) p.parentNode.removeChild(p);
  }

  function showAlert(message) {
    alertBox.textContent = message;
    alertBox.hidden = false;
  }

  function hideAlert() {
    alertBox.hidden = true;
    var server = document.getElementById("form-errors");
    if (server && !form.querySelector(".has-error")) server.hidden = true;
  }

  function pointAt(fs) {
    fs.scrollIntoView({ behavior: "smooth", block: "start" });
    var first = fs.querySelector("input, textarea");
    if (first) {
      try { first.focus({ preventScroll: true }); } catch (e) { first.focus(); }
    }
  }

  // checkRequired marks every unanswered required question and points at
  // the first; it returns false when any is missing.
  function checkRequired() {
    var missing = [];
    var list = fieldsets();
    for (var i = 0; i < list.length; i++) {
      var fs = list[i];
      if (fs.hasAttribute("data-required") && !isHidden(fs) && !answered(fs)) {
        setFieldError(fs, i18n.required || "");
        missing.push(fs);
      }
    }
    if (!missing.length) return true;
    showAlert(i18n.missing || "");
    pointAt(missing[0]);
    return false;
  }

  // --- sending ------------------------------------------------------------

  function pageURL(path) {
    var q = "?lang=" + encodeURIComponent(lang);
    if (token) q += "&t=" + encodeURIComponent(token);
    return "/s/" + encodeURIComponent(slug) + path + q;
  }

  function setSending(on) {
    sending = on;
    button.disabled = on;
    button.textContent = on ? (i18n.sending || buttonLabel) : buttonLabel;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function post(body) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, 20000) : 0;
    return fetch(pageURL(""), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body,
      credentials: "same-origin",
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (res) {
      clearTimeout(timer);
      return res;
    }, function (err) {
      clearTimeout(timer);
      throw err;
    });
  }

  function showInvalid(fields, answers) {
    var first = null;
    var list = fieldsets();
    for (var i = 0; i < list.length; i++) {
      var fs = list[i];
      var key = fs.getAttribute("data-key");
      if (!fields[key]) continue;
      // The reasons come in the page's language (the post carries ?lang).
      var msg = i18n.required;
      if (key in answers) {
        msg = lang === "en" && /^[a-z]/.test(fields[key]) ? "This answer " + fields[key] + "." : fields[key];
      }
      setFieldError(fs, msg);
      first = first || fs;
    }
    showAlert(form.getAttribute("data-fix"));
    if (first) pointAt(first);
  }

  function send(body, answers, attempt) {
    post(body).then(function (res) {
      if (res.status === 201 || res.status === 200) {
        clearDraft();
        res.json().then(function (data) {
          window.location.assign((data && data.thanks_url) || pageURL("/thanks"));
        }, function () { window.location.assign(pageURL("/thanks")); });
        return;
      }
      if (res.status === 409) { // answered before: the page says so
        clearDraft();
        window.location.assign(pageURL(""));
        return;
      }
      if (res.status === 403) { // not open, closed or not invited: the page says which
        window.location.reload();
        return;
      }
      if (res.status === 422) {
        return res.json().then(function (data) {
          setSending(false);
          showInvalid((data && data.fields) || {}, answers);
        });
      }
      if (res.status === 429) { // over the network's budget: say so, keep the answers
        return res.json().then(function (data) {
          setSending(false);
          showAlert((data && data.message) || form.getAttribute("data-fix"));
        });
      }
      if (res.status >= 500) {
        throw new Error("server " + res.status);
      }
      setSending(false);
      showAlert(form.getAttribute("data-fix"));
    }).catch(function () {
      if (attempt < retryDelays.length) {
        setTimeout(function () { send(body, answers, attempt + 1); }, retryDelays[attempt]);
        return;
      }
      setSending(false);
      netError.hidden = false;
      netError.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (sending) return;
    netError.hidden = true;
    if (!checkRequired()) return;
    hideAlert();
    saveDraft();
    var answers = buildAnswers();
    var body = JSON.stringify({
      submission_id: form.elements.submission_id.value,
      lang: lang,
      answers: answers,
      form_token: form.elements.form_token ? form.elements.form_token.value : ""
    });
    setSending(true);
    send(body, answers, 0);
  });

  function onChange(ev) {
    applyLogic();
    saveDraft();
    var fs = ev.target.closest ? ev.target.closest("fieldset.q") : null;
    if (fs && fs.classList.contains("has-error") && answered(fs)) {
      clearFieldError(fs);
      if (!form.querySelector(".has-error")) hideAlert();
    }
  }
  form.addEventListener("change", onChange);
  form.addEventListener("input", onChange);

  restoreDraft();
  applyLogic();
  var conds = form.querySelectorAll(".cond");
  for (var c = 0; c < conds.length; c++) conds[c].hidden = true; // shown and hidden instead
})();
