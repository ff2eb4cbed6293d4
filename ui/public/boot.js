// Runs before the app's module (a classic script from 'self', so the CSP allows it).
(function () {
  // Under LANG=C (common on Linux servers and minimal desktops) WebKit reports the language
  // "C", which is not a BCP 47 tag: Intl constructors given it throw a RangeError, and a
  // library that formats numbers at load time takes the whole interface down with it.
  try {
    new Intl.NumberFormat(navigator.language);
  } catch (e) {
    Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
    Object.defineProperty(navigator, "languages", { value: ["en-US"], configurable: true });
  }

  // If the interface still cannot start, show why instead of a blank window.
  var shown = false;
  function show(message) {
    if (shown) return;
    var app = document.getElementById("app");
    if (!app || app.childElementCount > 0) return;
    shown = true;
    app.setAttribute("data-testid", "fatal");
    app.style.whiteSpace = "pre-wrap";
    app.style.padding = "1rem";
    app.textContent = "Countersign could not start its interface: " + message;
  }
  window.addEventListener("error", function (e) {
    show(e.message + " (" + e.filename + ":" + e.lineno + ":" + e.colno + ")");
  });
  window.addEventListener("unhandledrejection", function (e) {
    show("unhandled: " + String(e.reason));
  });
})();
