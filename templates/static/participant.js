// Progressive enhancement of the questionnaire form; the page works without it.
(function () {
  "use strict";
})();
