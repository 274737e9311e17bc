// The poster's live count and the board's refresh. No framework: a poll of
// a tiny JSON every 5 seconds while the poster is projected.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-count-url");
  var el = document.getElementById("count");
  if (url && el) {
    var poll = function () {
      var x = new XMLHttpRequest();
      x.open("GET", url);
      x.setRequestHeader("Accept", "application/json");
      x.onload = function () {
        if (x.status !== 200) { return; }
        try {
          var n = JSON.parse(x.responseText).respondents;
          if (String(n) !== el.textContent) {
            el.textContent = n;
            el.className = "bump";
            setTimeout(function () { el.className = ""; }, 900);
          }
        } catch (e) { /* keep the last count */ }
      };
      x.send();
    };
    setInterval(poll, 5000);
  }
  var board = document.querySelector("[data-reload-every]");
  if (board) {
    var secs = parseInt(board.getAttribute("data-reload-every"), 10) || 15;
    setTimeout(function () { location.reload(); }, secs * 1000);
  }
})();
