// The Mini App's signed init data, without Telegram's telegram-web-app.js: the pages load
// nothing from other addresses. Telegram opens a Mini App with its launch parameters in the
// address's fragment, "#tgWebAppData=<init data>&tgWebAppVersion=...&..." (Mini Apps docs,
// "Launch Parameters"); the init data goes into the form's hidden init_data field, which the
// server checks (web/routes/miniapp.py). It is also kept for this tab's session: a reload or
// the language link loses the fragment. Found: the form replaces the note "open it from the
// bot"; not found (outside Telegram), the note stays, as it does without JavaScript.
(function () {
  "use strict";
  var KEY = "tgWebAppData";

  function fromFragment() {
    try {
      return new URLSearchParams(window.location.hash.slice(1)).get(KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function remembered() {
    try {
      return window.sessionStorage.getItem(KEY) || "";
    } catch (e) {
      return ""; // storage may be off: the fragment alone then
    }
  }

  function remember(value) {
    try {
      window.sessionStorage.setItem(KEY, value);
    } catch (e) {
      // nothing to do: see remembered()
    }
  }

  var field = document.getElementById("init_data");
  var form = document.getElementById("miniapp-form");
  var outside = document.getElementById("miniapp-outside");
  if (!field || !form || !outside) {
    return;
  }
  // The server's copy first (a form sent back with a refused field), then a fresh launch.
  var initData = field.value || fromFragment() || remembered();
  if (!initData) {
    return;
  }
  remember(initData);
  field.value = initData;
  outside.hidden = true;
  form.hidden = false;
})();
