// Set-up the Jupyter widget manager (embed-amd.js) needs in this book. Loaded after
// require.js and before embed-amd.js, on the pages that show widgets.
(function () {
  // 1. The manager loads its icon fonts from the folder of its AMD module. Point that folder at
  //    the copy served with this page (next to this script), not at the site root.
  const here = document.currentScript.src.split("?")[0].replace(/\/[^/]*$/, "");
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": here + "/html-manager" } });

  // 2. Widget labels are typeset with MathJax 2's MathJax.Hub.Queue; this book loads MathJax 3.
  //    Give every object assigned to window.MathJax (the config, then MathJax 3 itself) a Hub
  //    whose Queue typesets the element with the MathJax 3 API.
  const hub = {
    Queue(command) {
      const mathjax = window.MathJax, element = command[2];
      if (mathjax && mathjax.startup && mathjax.typesetPromise) {
        mathjax.startup.promise.then(() => mathjax.typesetPromise([element]));
      }
    },
  };
  let current = window.MathJax;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get() { return current; },
    set(value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
    },
  });
  if (current && typeof current === "object" && !current.Hub) current.Hub = hub;
})();
