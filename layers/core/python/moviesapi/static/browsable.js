// The browsable API's behaviour. The server renders every page; this script only
// carries the JWT (sessionStorage), sends requests with fetch(), and swaps in the page
// the server rendered for them. Listeners sit on `document`, so they survive swaps.
(function () {
  "use strict";
  var AUTH = "moviesapi.auth";
  var FLASH = "moviesapi.flash";
  var root = document.documentElement;

  function readAuth() {
    try { return JSON.parse(sessionStorage.getItem(AUTH) || "null"); } catch (e) { return null; }
  }
  function writeAuth(auth) {
    if (auth) sessionStorage.setItem(AUTH, JSON.stringify(auth)); else sessionStorage.removeItem(AUTH);
  }
  function later(message, kind) { sessionStorage.setItem(FLASH, JSON.stringify({ message: message, kind: kind })); }

  function claims(token) {
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
    } catch (e) { return {}; }
  }

  function flash(message, kind) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.textContent = message;
    el.className = "flash " + (kind || "ok");
    el.hidden = false;
  }

  function showAuthState() {
    var auth = readAuth();
    root.classList.toggle("signed-in", !!auth);
    var who = document.getElementById("who");
    if (who) who.textContent = auth ? (auth.username || "user " + (claims(auth.access).user_id || "?")) : "";
    var pending = sessionStorage.getItem(FLASH);
    if (pending) {
      sessionStorage.removeItem(FLASH);
      try { var f = JSON.parse(pending); flash(f.message, f.kind); } catch (e) { /* ignore */ }
    }
  }

  // The error code of a 401 (DRF's "token_not_valid"), from a JSON body or the page's data-code.
  async function errorCode(res) {
    var type = res.headers.get("content-type") || "";
    try {
      if (type.indexOf("json") >= 0) return (await res.json()).code || "";
      if (type.indexOf("html") >= 0) {
        var doc = new DOMParser().parseFromString(await res.text(), "text/html");
        return doc.documentElement.getAttribute("data-code") || "";
      }
    } catch (e) { /* not parseable: no code */ }
    return "";
  }

  async function refreshed(auth) {
    if (!auth.refresh) return null;
    var res = await fetch(root.dataset.refreshUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh: auth.refresh }),
    });
    if (!res.ok) return null;
    var body = await res.json();
    var next = { access: body.access, refresh: body.refresh || auth.refresh, username: auth.username };
    writeAuth(next);
    return next;
  }

  // fetch() with the access token; an expired one is refreshed once and the request retried.
  async function send(url, options) {
    options = options || {};
    function call(auth) {
      var headers = new Headers(options.headers || {});
      if (auth) headers.set("Authorization", "Bearer " + auth.access);
      return fetch(url, Object.assign({}, options, { headers: headers, cache: "no-store", credentials: "same-origin" }));
    }
    var auth = readAuth();
    var res = await call(auth);
    if (res.status === 401 && auth && (await errorCode(res.clone())) === "token_not_valid") {
      var renewed = null;
      try { renewed = await refreshed(auth); } catch (e) { renewed = null; }
      if (renewed) return call(renewed);
      writeAuth(null);
      later("Your session has expired. Please sign in again.", "warn");
    }
    return res;
  }

  // Replace the page with one the server rendered (its scripts stay inert; ours keeps running).
  function swap(markup) {
    // The new page's <style> carries its own nonce, which this page's CSP would report as a
    // violation even in an inert DOMParser document; this page's stylesheet is the same one.
    var doc = new DOMParser().parseFromString(markup.replace(/<style[^>]*>[\s\S]*?<\/style>/gi, ""), "text/html");
    Array.prototype.slice.call(root.attributes).forEach(function (a) {
      if (a.name.indexOf("data-") === 0) root.removeAttribute(a.name);
    });
    Array.prototype.slice.call(doc.documentElement.attributes).forEach(function (a) {
      if (a.name.indexOf("data-") === 0) root.setAttribute(a.name, a.value);
    });
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    root.classList.remove("pending");
    showAuthState();
  }

  async function download(res, url) {
    var blob = await res.blob();
    var name = new URL(url, location.href).pathname.split("/").filter(Boolean).pop() || "response";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  async function show(res, url, how) {
    var type = res.headers.get("content-type") || "";
    if (type.indexOf("text/html") !== 0) return download(res, url);
    swap(await res.text());
    if (how === "push") { history.pushState({}, "", url); window.scrollTo(0, 0); }
    else if (how === "replace") history.replaceState({}, "", url);
  }

  async function go(url, how) {
    root.classList.add("busy");
    try {
      // HTML preferred; a format link (.csv, ?format=json) filters the renderers and */* accepts what is left.
      await show(await send(url, { headers: { Accept: "text/html, */*;q=0.1" } }), url, how);
    } catch (e) {
      root.classList.remove("pending");
      flash("Request failed: " + e.message, "error");
    } finally {
      root.classList.remove("busy");
    }
  }

  async function login(form) {
    var error = form.querySelector(".form-error");
    error.textContent = "";
    var body = { username: form.elements.username.value, password: form.elements.password.value };
    var res = await fetch(root.dataset.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    var json = await res.json().catch(function () { return {}; });
    if (!res.ok || !json.access) {
      error.textContent = json.detail || Object.keys(json).map(function (k) {
        return k + ": " + [].concat(json[k]).join(" ");
      }).join("; ") || "Sign-in failed (HTTP " + res.status + ").";
      return;
    }
    writeAuth({ access: json.access, refresh: json.refresh, username: body.username });
    later("Signed in as " + body.username + ".", "ok");
    await go(location.href, "replace");
  }

  async function useToken(form) {
    var token = form.elements.token.value.trim().replace(/^(Bearer|JWT)\s+/i, "");
    if (!token) return;
    writeAuth({ access: token, refresh: null, username: null });
    later("Using the pasted access token.", "ok");
    await go(location.href, "replace");
  }

  async function signOut() {
    var auth = readAuth();
    writeAuth(null);
    if (auth && auth.refresh) {
      try {
        await fetch(root.dataset.logoutUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: "Bearer " + auth.access },
          body: JSON.stringify({ refresh: auth.refresh }),
        });
      } catch (e) { /* the token expires anyway */ }
    }
    later("Signed out.", "ok");
    await go(location.href, "replace");
  }

  async function submitRaw(form, submitter) {
    var method = (submitter && submitter.value) || "POST";
    var res = await send(form.dataset.url, {
      method: method,
      headers: { Accept: "text/html", "Content-Type": form.elements.content_type.value },
      body: form.elements.body.value,
    });
    await show(res, form.dataset.url, null);
  }

  async function remove() {
    var url = root.dataset.url;
    var res = await send(url, { method: "DELETE", headers: { Accept: "text/html" } });
    if (res.ok) {  // a 204, which DRF's browsable renderer turns into a 200 page
      later("Deleted " + new URL(url).pathname + " (HTTP 204 No Content).", "ok");
      return go(root.dataset.parentUrl || url, "push");
    }
    return show(res, url, null);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "").toLowerCase() === "dialog") return;
    event.preventDefault();
    var task = form.id === "login-form" ? login(form)
      : form.id === "token-form" ? useToken(form)
        : form.id === "raw-form" ? submitRaw(form, event.submitter) : null;
    if (!task) return;
    root.classList.add("busy");
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    task.catch(function (e) { flash("Request failed: " + e.message, "error"); }).finally(function () {
      root.classList.remove("busy");
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  });

  document.addEventListener("click", function (event) {
    var action = event.target.closest("[data-action]");
    if (action) {
      event.preventDefault();
      if (action.dataset.action === "signout") signOut();
      if (action.dataset.action === "delete") {
        var dialog = document.getElementById("confirm-delete");
        dialog.returnValue = "";
        dialog.addEventListener("close", function () { if (dialog.returnValue === "confirm") remove(); }, { once: true });
        dialog.showModal();
      }
      return;
    }
    var a = event.target.closest("a[href]");
    if (!a || !readAuth() || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || a.target || a.hasAttribute("download")) return;
    var url = new URL(a.href, location.href);
    if (url.origin !== location.origin || (url.hash && url.pathname === location.pathname)) return;
    event.preventDefault();
    go(url.href, "push");
  });

  window.addEventListener("popstate", function () { go(location.href, null); });

  showAuthState();
  if (readAuth() && root.dataset.authenticated !== "true") go(location.href, "replace");
})();
