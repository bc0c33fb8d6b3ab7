// Before first paint: a signed-in tab shows "loading" instead of the anonymous 401 it navigated to.
(function () {
  var root = document.documentElement;
  try {
    if (sessionStorage.getItem("moviesapi.auth")) {
      root.classList.add("signed-in");
      if (root.getAttribute("data-authenticated") !== "true") root.classList.add("pending");
    }
  } catch (e) { /* storage disabled: stay anonymous */ }
})();
