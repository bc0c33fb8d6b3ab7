#!/usr/bin/env node
// Drives the REAL frappe-js-sdk (npm, pinned in package.json) against a running API, one call
// at a time, and prints one JSON line per SDK call:
//
//   {"scenario", "call", "label", "ok", "result", "status", "error", "http": [{method, url, status}]}
//
// (`status` is the last HTTP status of the call, `error` the object the SDK threw, `http` every request
// the call made; cookie mode adds `jar`, the cookies kept after the call.)
//
// The SDK's own code is used unchanged. Two ways to sign in:
//
//   token   new FrappeApp(url, {useToken: true, token: () => "<key>:<secret>", type: "token"})
//   cookie  new FrappeApp(url), then auth().loginWithUsernamePassword({username, password}); the
//           SDK's axios instance (app.axios, made in lib/utils/axios.js) gets interceptors that do
//           what a browser does for a same-origin page: keep cookies (a small RFC 6265 jar) and send
//           Origin (on writes) and Sec-Fetch-Site. In cookie mode every scenario starts with that
//           login, printed as the first line.
//
// Usage (argv wins over env):
//   node drive.mjs --url http://127.0.0.1:3000 --mode token --token KEY:SECRET [--ctx JSON] SCENARIO|all
//   node drive.mjs --url http://127.0.0.1:3000 --mode cookie --user NAME --password PW [--ctx JSON] SCENARIO|all
//   env: FRAPPE_URL, FRAPPE_MODE, FRAPPE_TOKEN, FRAPPE_USER, FRAPPE_PASSWORD, FRAPPE_CTX
//   node drive.mjs --list     prints the scenario names
//
// A scenario reads what it works on from the context (--ctx, JSON: document names, a tag, ...);
// whatever is missing it makes itself through the SDK (lines marked "setup": true), so `all` also
// runs with no context at all. The exit status is 0 when every line was printed, whatever the calls
// answered: judging the answers is the Python test's job (tests/e2e/test_frappe_js_sdk.py).
//
// Not driven, because they do not apply to a Movie: file().uploadFile (a Movie has no Attach field
// and the API has no upload_file method), db.getSingleValue (Movie and User are not Single
// DocTypes: there is no Single to read), auth.forgetPassword (the `/` cmd entry point for password
// reset mail; not a Movie call).

import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";

const require = createRequire(import.meta.url);
const { FrappeApp } = require("frappe-js-sdk");

const DOCTYPE = "Movie";
const REQUEST_TIMEOUT_MS = 20000;

// ------------------------------------------------------------------ arguments

function parseArgs(argv) {
  const opts = {
    url: process.env.FRAPPE_URL,
    mode: process.env.FRAPPE_MODE ?? "token",
    token: process.env.FRAPPE_TOKEN,
    user: process.env.FRAPPE_USER,
    password: process.env.FRAPPE_PASSWORD,
    ctx: process.env.FRAPPE_CTX,
    scenarios: [],
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--url") opts.url = value();
    else if (arg === "--mode") opts.mode = value();
    else if (arg === "--token") opts.token = value();
    else if (arg === "--user") opts.user = value();
    else if (arg === "--password") opts.password = value();
    else if (arg === "--ctx") opts.ctx = value();
    else if (arg === "--list") opts.list = true;
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else opts.scenarios.push(arg);
  }
  return opts;
}

// ------------------------------------------------------------------ a browser's cookie jar

/** Cookies as a browser keeps them for one origin: Secure ones only over https, expiry honoured. */
class CookieJar {
  constructor(baseURL) {
    this.base = new URL(baseURL);
    this.cookies = new Map(); // name -> {value, path}
    this.dropped = []; // why a Set-Cookie was not stored
  }

  /** Store (or delete) what a response's Set-Cookie headers say. */
  store(setCookie) {
    const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
    for (const line of lines) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = "/";
      let secure = false;
      let expired = false;
      for (const attr of attrs) {
        const [k, ...rest] = attr.split("=");
        const key = k.trim().toLowerCase();
        const val = rest.join("=").trim();
        if (key === "secure") secure = true;
        else if (key === "path" && val.startsWith("/")) path = val;
        else if (key === "max-age" && Number.parseInt(val, 10) <= 0) expired = true;
        else if (key === "expires" && Date.parse(val) <= Date.now()) expired = true;
      }
      // RFC 6265bis 5.6 step 14: a Secure cookie set over plain http is ignored.
      if (secure && this.base.protocol !== "https:") {
        this.dropped.push(`${name}: Secure cookie over ${this.base.protocol}//`);
        continue;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /** The Cookie header for a request to ``pathname``. */
  header(pathname) {
    const matching = [];
    for (const [name, { value, path }] of this.cookies) {
      const prefix = path.endsWith("/") ? path : `${path}/`;
      if (pathname === path || pathname.startsWith(prefix)) matching.push(`${name}=${value}`);
    }
    return matching.join("; ");
  }

  snapshot() {
    return {
      cookies: Object.fromEntries([...this.cookies].map(([n, c]) => [n, c.value])),
      dropped: [...this.dropped],
    };
  }
}

const SAFE_METHODS = new Set(["get", "head", "options"]);

/** What a browser adds to the SDK's same-origin requests: cookies, Origin on writes, Sec-Fetch-Site. */
function installBrowserCookies(axios, jar) {
  axios.interceptors.request.use((config) => {
    const url = new URL(axios.getUri(config));
    const cookie = jar.header(url.pathname);
    if (cookie) config.headers.Cookie = cookie;
    config.headers["Sec-Fetch-Site"] = "same-origin";
    if (!SAFE_METHODS.has((config.method ?? "get").toLowerCase())) config.headers.Origin = jar.base.origin;
    return config;
  });
  axios.interceptors.response.use(
    (response) => {
      jar.store(response.headers?.["set-cookie"]);
      return response;
    },
    (error) => {
      jar.store(error?.response?.headers?.["set-cookie"]);
      return Promise.reject(error);
    },
  );
}

/** Every HTTP exchange the SDK makes, so each printed call says which requests it sent. */
function installRecorder(axios, log) {
  axios.interceptors.response.use(
    (response) => {
      log.push(exchange(axios, response.config, response));
      return response;
    },
    (error) => {
      if (error?.config) log.push(exchange(axios, error.config, error.response));
      return Promise.reject(error);
    },
  );
}

function exchange(axios, config, response) {
  const entry = {
    method: (config.method ?? "get").toUpperCase(),
    url: axios.getUri(config).replace(/^https?:\/\/[^/]+/, ""),
    status: response?.status ?? 0,
  };
  const setCookie = response?.headers?.["set-cookie"];
  if (setCookie) entry.set_cookie = setCookie;
  return entry;
}

// ------------------------------------------------------------------ printing calls

function jsonable(value) {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (v === undefined ? null : v)));
}

/** The SDK throws a FrappeError object ({httpStatus, exception, message, ...body}); anything else is a bug. */
function describeError(err) {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return jsonable(err);
}

class Printer {
  constructor(scenario, log, jar) {
    this.scenario = scenario;
    this.log = log;
    this.jar = jar; // cookie mode: every line shows the jar as it is after the call
  }

  /** Run one SDK call and print its line; return the result (or undefined when it threw). */
  async call(call, fn, { label = "", setup = false } = {}) {
    const start = this.log.length;
    let line;
    try {
      const result = await fn();
      const http = this.log.slice(start);
      line = { ok: true, result: jsonable(result), status: http.at(-1)?.status ?? null, error: null, http };
    } catch (err) {
      const http = this.log.slice(start);
      const status = typeof err?.httpStatus === "number" ? err.httpStatus : (http.at(-1)?.status ?? null);
      line = { ok: false, result: null, status, error: describeError(err), http };
    }
    const out = { scenario: this.scenario, call, label, ...line };
    if (this.jar) out.jar = this.jar.snapshot();
    if (setup) out.setup = true;
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return line.ok ? line.result : undefined;
  }
}

// ------------------------------------------------------------------ scenarios

const tag = () => randomBytes(4).toString("hex");

function catalogFilter(ctx) {
  return ctx.catalog_filters ?? [["genre", "like", `%-${ctx.tag}`]];
}

/** A movie to work on: ctx[key] if given, else one made now with db.createDoc (a setup line). */
async function movie(s, ctx, key, fields = {}) {
  if (ctx[key]) return ctx[key];
  const doc = await s.p.call(
    "db.createDoc",
    () => s.db.createDoc(DOCTYPE, { title: "Setup", genre: `Setup-${tag()}`, year: 1950, ...fields }),
    { label: `setup ${key}`, setup: true },
  );
  return doc?.name;
}

const SCENARIOS = {
  // --------------------------------------------------------------- auth
  "auth.loginWithUsernamePassword": {
    modes: ["cookie"],
    // The login itself is the first line of every cookie-mode run; nothing more to do here.
    run: async () => {},
  },
  "auth.getLoggedInUser": {
    run: async (s) => s.p.call("auth.getLoggedInUser", () => s.auth.getLoggedInUser()),
  },
  "auth.logout": {
    modes: ["cookie"],
    run: async (s) => {
      await s.p.call("auth.getLoggedInUser", () => s.auth.getLoggedInUser(), { label: "before logout" });
      await s.p.call("auth.logout", () => s.auth.logout());
      await s.p.call("auth.getLoggedInUser", () => s.auth.getLoggedInUser(), { label: "after logout" });
      await s.p.call("db.getDocList", () => s.db.getDocList(DOCTYPE), { label: "after logout" });
    },
  },

  // --------------------------------------------------------------- db: reads
  "db.getDoc": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.getDoc", () => s.db.getDoc(DOCTYPE, name));
    },
  },
  "db.getDoc:missing": {
    run: async (s, ctx) => {
      const name = ctx.name ?? `missing-${tag()}`;
      await s.p.call("db.getDoc", () => s.db.getDoc(DOCTYPE, name), { label: "missing" });
    },
  },
  "db.getDocList:defaults": {
    run: async (s) => s.p.call("db.getDocList", () => s.db.getDocList(DOCTYPE), { label: "defaults" }),
  },
  "db.getDocList:fields-filters-orderBy-limit": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getDocList",
        () =>
          s.db.getDocList(DOCTYPE, {
            fields: ["name", "title", "year"],
            filters: catalogFilter(ctx),
            orderBy: { field: "year", order: "desc" },
            limit: 3,
          }),
        { label: "fields-filters-orderBy-limit" },
      ),
  },
  "db.getDocList:limit_start": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getDocList",
        () =>
          s.db.getDocList(DOCTYPE, {
            fields: ["title"],
            filters: catalogFilter(ctx),
            orderBy: { field: "year", order: "asc" },
            limit: 2,
            limit_start: 2,
          }),
        { label: "limit_start" },
      ),
  },
  "db.getDocList:orFilters": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getDocList",
        () =>
          s.db.getDocList(DOCTYPE, {
            fields: ["title"],
            filters: catalogFilter(ctx),
            orFilters: [
              ["year", "=", 1942],
              ["title", "like", "%psy%"],
            ],
          }),
        { label: "orFilters" },
      ),
  },
  "db.getDocList:asDict-false": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getDocList",
        () =>
          s.db.getDocList(DOCTYPE, {
            fields: ["title", "year"],
            filters: catalogFilter(ctx),
            orderBy: { field: "year", order: "asc" },
            asDict: false,
          }),
        { label: "asDict-false" },
      ),
  },
  "db.getDocList:groupBy-count": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getDocList",
        () =>
          s.db.getDocList(DOCTYPE, {
            fields: ["genre", "count(name) as count"],
            filters: catalogFilter(ctx),
            groupBy: "genre",
            orderBy: { field: "genre", order: "asc" },
          }),
        { label: "groupBy-count" },
      ),
  },
  "db.getCount:all": {
    run: async (s) => s.p.call("db.getCount", () => s.db.getCount(DOCTYPE), { label: "all" }),
  },
  "db.getCount:filters": {
    run: async (s, ctx) =>
      s.p.call("db.getCount", () => s.db.getCount(DOCTYPE, catalogFilter(ctx)), { label: "filters" }),
  },
  "db.getLastDoc": {
    run: async (s, ctx) =>
      s.p.call("db.getLastDoc", () => s.db.getLastDoc(DOCTYPE, { filters: catalogFilter(ctx) })),
  },
  "db.getValue:fieldname-string": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.getValue", () => s.db.getValue(DOCTYPE, "title", [["name", "=", name]]), {
        label: "fieldname-string",
      });
    },
  },
  "db.getValue:fieldname-list": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getValue",
        () => s.db.getValue(DOCTYPE, ["title", "year"], ctx.filters ?? [["genre", "=", `Drama-${ctx.tag}`]]),
        { label: "fieldname-list" },
      ),
  },
  "db.getValue:asDict-false": {
    run: async (s, ctx) =>
      s.p.call(
        "db.getValue",
        () => s.db.getValue(DOCTYPE, ["title", "year"], ctx.filters ?? [["genre", "=", `Horror-${ctx.tag}`]], false),
        { label: "asDict-false" },
      ),
  },

  // --------------------------------------------------------------- db: writes
  "db.createDoc": {
    run: async (s, ctx) =>
      s.p.call("db.createDoc", () =>
        s.db.createDoc(DOCTYPE, ctx.doc ?? { title: "Rope", genre: `Crime-${tag()}`, year: 1948 }),
      ),
  },
  "db.updateDoc": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.updateDoc", () => s.db.updateDoc(DOCTYPE, name, ctx.value ?? { year: 1949 }));
    },
  },
  "db.deleteDoc": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.deleteDoc", () => s.db.deleteDoc(DOCTYPE, name));
    },
  },
  "db.renameDoc": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      const newName = ctx.new_name ?? `sdk-renamed-${tag()}`;
      await s.p.call("db.renameDoc", () => s.db.renameDoc(DOCTYPE, name, newName));
    },
  },
  "db.setValue:single": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.setValue", () => s.db.setValue(DOCTYPE, name, "year", ctx.value ?? 1950), {
        label: "single",
      });
    },
  },
  "db.setValue:object": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      const values = ctx.values ?? { title: "Rear Window", genre: `Mystery-${tag()}` };
      await s.p.call("db.setValue", () => s.db.setValue(DOCTYPE, name, values), { label: "object" });
    },
  },
  "db.submit": {
    run: async (s, ctx) => {
      let doc = ctx.doc;
      if (!doc) {
        const name = await movie(s, ctx, "name");
        doc = await s.p.call("db.getDoc", () => s.db.getDoc(DOCTYPE, name), { label: "setup doc", setup: true });
      }
      await s.p.call("db.submit", () => s.db.submit(doc));
    },
  },
  "db.cancel": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("db.cancel", () => s.db.cancel(DOCTYPE, name));
    },
  },

  // --------------------------------------------------------------- call.get/post/put/delete
  "call.get:ping": {
    run: async (s) => s.p.call("call.get", () => s.call.get("ping"), { label: "ping" }),
  },
  "call.get:frappe.auth.get_logged_user": {
    run: async (s) =>
      s.p.call("call.get", () => s.call.get("frappe.auth.get_logged_user"), {
        label: "frappe.auth.get_logged_user",
      }),
  },
  "call.get:frappe.client.get_list": {
    run: async (s, ctx) =>
      s.p.call(
        "call.get",
        () =>
          s.call.get("frappe.client.get_list", {
            doctype: DOCTYPE,
            fields: ["title", "year"],
            filters: catalogFilter(ctx),
            order_by: "year desc",
            limit_page_length: 2,
          }),
        { label: "frappe.client.get_list" },
      ),
  },
  "call.get:frappe.client.get_count": {
    run: async (s, ctx) =>
      s.p.call(
        "call.get",
        () =>
          s.call.get("frappe.client.get_count", {
            doctype: DOCTYPE,
            filters: [...catalogFilter(ctx), ["year", ">", 1950]],
          }),
        { label: "frappe.client.get_count" },
      ),
  },
  "call.get:frappe.client.get": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("call.get", () => s.call.get("frappe.client.get", { doctype: DOCTYPE, name }), {
        label: "frappe.client.get",
      });
    },
  },
  "call.post:frappe.client.insert": {
    run: async (s, ctx) =>
      s.p.call(
        "call.post",
        () =>
          s.call.post("frappe.client.insert", {
            doc: ctx.doc ?? { doctype: DOCTYPE, title: "Spellbound", genre: `Mystery-${tag()}`, year: 1945 },
          }),
        { label: "frappe.client.insert" },
      ),
  },
  "call.post:frappe.client.insert_many": {
    run: async (s, ctx) => {
      const genre = `Noir-${tag()}`;
      const docs = ctx.docs ?? [
        { doctype: DOCTYPE, title: "Laura", genre, year: 1944 },
        { doctype: DOCTYPE, title: "Gilda", genre, year: 1946 },
      ];
      await s.p.call("call.post", () => s.call.post("frappe.client.insert_many", { docs }), {
        label: "frappe.client.insert_many",
      });
    },
  },
  "call.put:frappe.client.save": {
    run: async (s, ctx) => {
      let doc = ctx.doc;
      if (!doc) {
        const name = await movie(s, ctx, "name");
        const current = await s.p.call("db.getDoc", () => s.db.getDoc(DOCTYPE, name), {
          label: "setup doc",
          setup: true,
        });
        doc = { ...current, title: "Saved by frappe.client.save" };
      }
      await s.p.call("call.put", () => s.call.put("frappe.client.save", { doc }), { label: "frappe.client.save" });
    },
  },
  "call.put:frappe.client.bulk_update": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      const docs = [{ doctype: DOCTYPE, docname: name, year: ctx.value ?? 2001 }];
      await s.p.call("call.put", () => s.call.put("frappe.client.bulk_update", { docs }), {
        label: "frappe.client.bulk_update",
      });
    },
  },
  "call.delete:frappe.client.delete": {
    run: async (s, ctx) => {
      const name = await movie(s, ctx, "name");
      await s.p.call("call.delete", () => s.call.delete("frappe.client.delete", { doctype: DOCTYPE, name }), {
        label: "frappe.client.delete",
      });
    },
  },
};

// ------------------------------------------------------------------ main

function makeSession(opts, scenario) {
  let app;
  if (opts.mode === "token") {
    if (!opts.token) throw new Error("token mode needs --token KEY:SECRET (or FRAPPE_TOKEN)");
    const token = opts.token;
    app = new FrappeApp(opts.url, { useToken: true, token: () => token, type: "token" });
  } else if (opts.mode === "cookie") {
    if (!opts.user || !opts.password) throw new Error("cookie mode needs --user and --password");
    app = new FrappeApp(opts.url);
  } else {
    throw new Error(`unknown mode ${opts.mode} (token or cookie)`);
  }
  app.axios.defaults.timeout = REQUEST_TIMEOUT_MS;
  const log = [];
  const jar = opts.mode === "cookie" ? new CookieJar(opts.url) : null;
  if (jar) installBrowserCookies(app.axios, jar);
  installRecorder(app.axios, log);
  return {
    app,
    jar,
    auth: app.auth(),
    db: app.db(),
    call: app.call(),
    p: new Printer(scenario, log, jar),
  };
}

async function runScenario(opts, name, ctx) {
  const s = makeSession(opts, name);
  if (opts.mode === "cookie") {
    // Every cookie-mode run signs in first, as a browser page would.
    await s.p.call("auth.loginWithUsernamePassword", () =>
      s.auth.loginWithUsernamePassword({ username: opts.user, password: opts.password }),
    );
  }
  await SCENARIOS[name].run(s, ctx);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const [name, sc] of Object.entries(SCENARIOS)) {
      process.stdout.write(`${name}\t${(sc.modes ?? ["token", "cookie"]).join(",")}\n`);
    }
    return 0;
  }
  if (!opts.url) throw new Error("needs --url (or FRAPPE_URL)");
  const ctx = opts.ctx ? JSON.parse(opts.ctx) : {};
  if (!ctx.tag) ctx.tag = tag();
  const wanted = opts.scenarios.length === 0 || opts.scenarios.includes("all") ? Object.keys(SCENARIOS) : opts.scenarios;
  for (const name of wanted) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name} (--list shows them)`);
    if (scenario.modes && !scenario.modes.includes(opts.mode)) continue;
    await runScenario(opts, name, ctx);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`drive.mjs: ${err?.stack ?? err}\n`);
    process.exit(2);
  },
);
