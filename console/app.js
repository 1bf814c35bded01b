// linli staff console: plain ES modules, no build step. Talks to /api/v1 like any client;
// tokens live in sessionStorage (gone when the tab closes) and are refreshed on 401.

const API = "/api/v1";
const $ = (sel) => document.querySelector(sel);
const STATUS = {
  submitted: "待派单", assigned: "已指派", published: "抢单中", claimed: "已接单",
  in_service: "服务中", completed: "待评价", closed: "已办结", cancelled: "已取消",
  rejected: "已驳回", under_review: "待回访",
};
const ACTION = {
  submit: "下单", proxy_submit: "代办下单", assign: "指派", publish: "发布抢单", accept: "接受指派",
  decline: "婉拒指派", claim: "抢单", start: "开始服务", complete: "完成服务", confirm: "居民评价",
  cancel: "居民取消", reject: "驳回", escalate: "上交上级", release_to_pool: "退回抢单池",
  return_to_dispatcher: "退回派单", auto_close: "超时自动办结", dispute: "不满意，转回访",
  redo: "退回重办", redispatch: "退回重新派单", review_close: "回访结单", whistle: "吹哨",
  acknowledge: "部门报到", department_resolve: "部门办结", whistle_overdue: "部门超时",
  service_overdue: "服务超时", classify: "定级",
};
const STAFF_ROLES = ["staff", "admin", "clerk", "unit_admin"];

const session = {
  get access() { return sessionStorage.getItem("linli.access"); },
  get refresh() { return sessionStorage.getItem("linli.refresh"); },
  save(t) {
    sessionStorage.setItem("linli.access", t.access_token);
    sessionStorage.setItem("linli.refresh", t.refresh_token);
  },
  clear() { sessionStorage.removeItem("linli.access"); sessionStorage.removeItem("linli.refresh"); },
};

/** A refusal from the server: its Chinese title and stable code. */
class Refused extends Error {
  constructor(status, problem) {
    super(problem.title || `请求失败（${status}）`);
    this.status = status;
    this.code = problem.code;
    this.detail = problem.detail;
  }
}

let refreshing = null;
async function refreshTokens() {
  if (!session.refresh) return false;
  refreshing ??= fetch(`${API}/auth/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: session.refresh }),
  }).then(async (r) => {
    if (!r.ok) return false;
    session.save(await r.json());
    return true;
  }).finally(() => { refreshing = null; });
  return refreshing;
}

/** Calls the API; retries once after refreshing an expired token; throws `Refused`. */
async function api(method, path, body, { raw = false, retried = false, headers = {} } = {}) {
  const h = { ...headers };
  if (session.access) h.authorization = `Bearer ${session.access}`;
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(API + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && !retried && (await refreshTokens())) {
    return api(method, path, body, { raw, retried: true, headers });
  }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch { /* not JSON */ }
    throw new Refused(res.status, problem);
  }
  if (raw) return res;
  return res.status === 204 ? null : res.json();
}

function toast(message, kind = "error") {
  const t = $("#toast");
  t.textContent = message;
  t.className = kind;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 8000);
}

/** Runs an action, showing the server's title when it is refused. */
async function attempt(fn, done) {
  try {
    await fn();
    if (done) toast(done, "ok");
  } catch (e) {
    toast(e instanceof Refused ? e.message : `网络错误：${e.message}`);
  }
}

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
};
const when = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "");

// ---- pictures: uploads are read with the token, so as blobs ------------------------------

const thumbs = new Map();
/** An upload's bytes (`/media/{id}` or its thumbnail) as an object URL. */
async function blobUrl(path) {
  const res = await api("GET", path, undefined, { raw: true });
  return URL.createObjectURL(await res.blob());
}

/** A thumbnail of picture reference `r` that opens the original when clicked. Uploads
 *  (`media:{id}`) are fetched with the bearer token (an `<img src>` cannot send it); `https://`
 *  addresses are shown as they are. */
function photo(r, alt) {
  const img = el("img", { alt, title: "点击查看原图" });
  const id = /^media:(\d+)$/.exec(r)?.[1];
  if (!id) {
    img.src = r;
    img.addEventListener("click", () => view(Promise.resolve(r)));
    return img;
  }
  if (!thumbs.has(id)) thumbs.set(id, blobUrl(`/media/${id}/thumbnail`));
  thumbs.get(id).then((url) => { img.src = url; }, (e) => {
    thumbs.delete(id);
    img.alt = `${alt}（${e.message}）`;
  });
  img.dataset.media = id;
  img.addEventListener("click", () => view(blobUrl(`/media/${id}`), true));
  return img;
}

/** Shows the original in the viewer; an object URL is released when the viewer closes. */
function view(url, owned = false) {
  const dialog = $("#viewer");
  attempt(async () => {
    const src = await url;
    const img = $("#viewer-img");
    if (img.dataset.owned) URL.revokeObjectURL(img.src);
    img.src = src;
    img.dataset.owned = owned ? "1" : "";
    if (!dialog.open) dialog.showModal();
  });
}
$("#viewer").addEventListener("click", () => $("#viewer").close());
$("#viewer").addEventListener("close", () => {
  const img = $("#viewer-img");
  if (img.dataset.owned) URL.revokeObjectURL(img.src);
  img.removeAttribute("src");
  img.dataset.owned = "";
});

// ---- sign in and out -------------------------------------------------------------------

let me = null;
let region = null;

async function start() {
  if (!session.access) return showLogin();
  try {
    me = await api("GET", "/me");
  } catch {
    session.clear();
    return showLogin();
  }
  const roles = me.roles.filter((r) => STAFF_ROLES.includes(r.role));
  if (roles.length === 0 && !me.is_system_admin) {
    toast("该账号没有工作人员角色");
    session.clear();
    return showLogin();
  }
  const select = $("#region");
  select.replaceChildren(...roles.map((r) => el("option", { value: r.region_id, textContent: `${r.region_name}（${r.role}）` })));
  region = roles[0]?.region_id ?? null;
  $("#who-name").textContent = me.name;
  $("#who").hidden = false;
  $("#login-view").hidden = true;
  $("#app-view").hidden = false;
  await enterRegion();
}

function showLogin() {
  $("#who").hidden = true;
  $("#app-view").hidden = true;
  $("#login-view").hidden = false;
}

$("#login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  attempt(async () => {
    const t = await api("POST", "/auth/password/login", {
      phone: $("#login-phone").value.trim(),
      password: $("#login-password").value,
    });
    session.save(t);
    await start();
  });
});

$("#logout").addEventListener("click", () => attempt(async () => {
  stopLive();
  for (const url of thumbs.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
  thumbs.clear();
  try { await api("POST", "/auth/logout", { refresh_token: session.refresh }); } finally {
    session.clear();
    showLogin();
  }
}));

$("#region").addEventListener("change", (ev) => { region = ev.target.value; enterRegion(); });

document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll("nav button").forEach((x) => x.classList.toggle("active", x === b));
  document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== `tab-${b.dataset.tab}`; });
  if (b.dataset.tab === "counter") loadStores();
  if (b.dataset.tab === "dashboard") loadStats();
  if (b.dataset.tab === "activities") attempt(loadActivities);
  if (b.dataset.tab === "problems") attempt(loadProblems);
  if (b.dataset.tab === "meetings") attempt(loadMeetings);
}));

async function enterRegion() {
  for (const pane of ["#detail", "#problem", "#meeting", "#meeting-form"]) $(pane).hidden = true;
  await attempt(loadQueue);
  startLive();
}

// ---- the dispatch queue, live over the event stream -----------------------------------

async function loadQueue() {
  if (!region) return;
  const status = $("#queue-status").value;
  const q = new URLSearchParams({ scope: "region", region_id: region, limit: "50" });
  if (status) q.set("status", status);
  const page = await api("GET", `/orders?${q}`);
  const now = Date.now();
  $("#queue tbody").replaceChildren(...page.items.map((o) => {
    const hints = [];
    if (o.due_at && new Date(o.due_at).getTime() < now) hints.push("超时");
    if (o.region_id !== o.origin_region_id) hints.push("已上交");
    if (o.urgency === "urgent") hints.push("紧急");
    const row = el("tr", { className: "order" },
      el("td", { textContent: o.id }), el("td", { textContent: o.title }),
      el("td", { textContent: STATUS[o.status] ?? o.status }), el("td", { textContent: when(o.created_at) }),
      el("td", { textContent: hints.join(" ") }));
    row.dataset.orderId = o.id;
    row.addEventListener("click", () => attempt(() => openOrder(o.id)));
    return row;
  }));
}
$("#queue-status").addEventListener("change", () => attempt(loadQueue));

let live = null;
function stopLive() { live?.abort(); live = null; }

/** Reads the region's text/event-stream with the bearer token (EventSource cannot send one). */
function startLive() {
  stopLive();
  if (!region) return;
  const ctrl = new AbortController();
  live = ctrl;
  const badge = $("#live");
  (async () => {
    while (!ctrl.signal.aborted) {
      try {
        const res = await api("GET", `/regions/${region}/events`, undefined, { raw: true });
        badge.textContent = "实时"; badge.className = "badge on";
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done || ctrl.signal.aborted) break;
          buf += value;
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            if (block.startsWith("event: end")) await refreshTokens();
            else if (block.includes("data:")) onOrderEvent(block);
          }
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
        badge.textContent = "重连中"; badge.className = "badge off";
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
}

let reload = null;
let openId = null;
function onOrderEvent(block) {
  const data = JSON.parse(block.slice(block.indexOf("data:") + 5).trim());
  clearTimeout(reload);
  reload = setTimeout(() => attempt(loadQueue), 150);
  if (openId && String(data.order_id) === String(openId)) attempt(() => openOrder(openId));
}

// ---- one order: detail, timeline and the actions staff may take ------------------------

async function openOrder(id) {
  const o = await api("GET", `/orders/${id}`);
  openId = o.id;
  $("#detail").hidden = false;
  $("#detail").dataset.orderId = o.id;
  $("#detail").dataset.status = o.status;
  $("#detail-title").textContent = `#${o.id} ${o.title}`;
  const who = o.assignee ? ` · 服务党员 ${o.assignee.name}` : "";
  $("#detail-meta").textContent =
    `${STATUS[o.status] ?? o.status} · ${o.address} · 居民 ${o.resident.name} ${o.contact_phone ?? ""}${who}`;
  $("#detail-description").textContent = o.description;
  $("#detail-photos").replaceChildren(...[...o.photos, ...o.completion_photos].map((r) => photo(r, "订单照片")));
  $("#timeline").replaceChildren(...o.timeline.map((e) =>
    el("li", { textContent: `${when(e.at)} ${ACTION[e.action] ?? e.action} → ${STATUS[e.to_status] ?? e.to_status}${e.note ? `：${e.note}` : ""}` })));
  await fillTargets();
}

async function fillTargets() {
  const mode = $("#dispatch-mode").value;
  const target = $("#dispatch-target");
  target.hidden = mode === "publish";
  if (mode === "assign") {
    const roles = await api("GET", `/regions/${region}/roles?limit=100`);
    target.replaceChildren(...roles.items.filter((g) => g.role === "member")
      .map((g) => el("option", { value: g.user.id, textContent: g.user.name })));
  } else if (mode === "unit") {
    const units = await api("GET", `/regions/${region}/units`);
    target.replaceChildren(...(units.items ?? units).map((u) => el("option", { value: u.id, textContent: u.name })));
  }
  const depts = await api("GET", `/regions/${region}/departments`).catch(() => []);
  $("#whistle-unit").replaceChildren(...(depts.items ?? depts).map((u) => el("option", { value: u.id, textContent: u.name })));
}
$("#dispatch-mode").addEventListener("change", () => attempt(fillTargets));

function act(action, body, done) {
  const id = $("#detail").dataset.orderId;
  return attempt(async () => {
    await api("POST", `/orders/${id}/${action}`, body);
    await openOrder(id);
    await loadQueue();
  }, done);
}
const reason = () => $("#action-reason").value.trim() || "工作台操作";

$("#dispatch").addEventListener("click", () => {
  const mode = $("#dispatch-mode").value;
  const body = { mode };
  if (mode === "assign") body.member_id = $("#dispatch-target").value;
  if (mode === "unit") body.unit_id = $("#dispatch-target").value;
  act("dispatch", body, "已派单");
});
$("#escalate").addEventListener("click", () => act("escalate", { reason: reason() }, "已上交上级"));
$("#whistle").addEventListener("click", () =>
  act("whistle", { unit_id: $("#whistle-unit").value, urgency: "normal", reason: reason() }, "已吹哨"));
$("#reject").addEventListener("click", () => act("reject", { reason: reason() }, "已驳回"));
$("#review-close").addEventListener("click", () => act("review", { decision: "close", reason: reason() }, "已回访结单"));
$("#review-redo").addEventListener("click", () => act("review", { decision: "redo", reason: reason() }, "已退回重办"));

// ---- the love-supermarket counter ------------------------------------------------------

async function loadStores() {
  await attempt(async () => {
    const stores = await api("GET", `/regions/${region}/stores`);
    $("#pickup-store").replaceChildren(...(stores.items ?? stores).map((s) => el("option", { value: s.id, textContent: s.name })));
  });
}

$("#pickup-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  attempt(async () => {
    const r = await api("POST", `/stores/${$("#pickup-store").value}/pickups`, { code: $("#pickup-code").value.trim() });
    $("#pickup-result").replaceChildren(
      el("h3", { textContent: `请交付（共 ${r.total_coins} 绿币）${r.buyer ? ` · ${r.buyer.name}` : ""}` }),
      el("ul", {}, ...r.items.map((l) => el("li", { textContent: `${l.name ?? l.goods_name} × ${l.quantity}` }))));
    $("#pickup-code").value = "";
  }, "已核销");
});

// ---- activities: the rotating check-in code, large on screen ---------------------------

async function loadActivities() {
  const page = await api("GET", `/regions/${region}/activities?limit=50`);
  $("#activities tbody").replaceChildren(...page.items.map((a) => {
    const row = el("tr", { className: "order" },
      el("td", { textContent: a.title }), el("td", { textContent: when(a.starts_at) }),
      el("td", { textContent: when(a.ends_at) }), el("td", { textContent: a.status === "cancelled" ? "已取消" : "进行/待开始" }));
    row.addEventListener("click", () => showCode(a, "in"));
    return row;
  }));
}

let codeTimer = null;
function showCode(activity, direction) {
  clearTimeout(codeTimer);
  $("#checkin").hidden = false;
  $("#checkin-title").textContent = activity.title;
  document.querySelectorAll("#checkin [data-direction]").forEach((b) => {
    b.classList.toggle("active", b.dataset.direction === direction);
    b.onclick = () => showCode(activity, b.dataset.direction);
  });
  attempt(async () => {
    const c = await api("GET", `/activities/${activity.id}/checkin-code?direction=${direction}`);
    // The server draws the QR code (SVG of its own making); the opaque code is what members scan.
    $("#checkin-qr").innerHTML = c.qr_svg;
    $("#checkin-note").textContent = `${direction === "in" ? "签到" : "签退"}码 ${when(c.refresh_at)} 更换，${when(c.expires_at)} 失效`;
    const wait = Math.max(1000, new Date(c.refresh_at).getTime() - Date.now());
    codeTimer = setTimeout(() => { if (!$("#checkin").hidden) showCode(activity, direction); }, wait);
  });
}

// ---- the monthly problem list ----------------------------------------------------------

const PROBLEM_STATE = {
  filed: "已登记", accepted: "已受理", merged: "已合并", rejected: "未受理", published: "已发布",
  claimed: "已认领", escalated: "已上交街道", resolved: "已解决",
};
const SEVERITY = { micro: "微事", small: "小事", major: "大事" };

async function loadProblems() {
  const q = new URLSearchParams({ limit: "100" });
  if ($("#problems-month").value) q.set("month", $("#problems-month").value);
  const page = await api("GET", `/regions/${region}/problems?${q}`);
  $("#problems tbody").replaceChildren(...page.items.map((p) => {
    const row = el("tr", { className: "order" },
      el("td", { textContent: p.title }), el("td", { textContent: SEVERITY[p.severity] ?? p.severity }),
      el("td", { textContent: PROBLEM_STATE[p.state] ?? p.state }), el("td", { textContent: p.month }),
      el("td", { textContent: when(p.created_at) }));
    row.dataset.problemId = p.id;
    row.addEventListener("click", () => attempt(() => openProblem(p.id)));
    return row;
  }));
}
$("#problems-form").addEventListener("submit", (ev) => { ev.preventDefault(); attempt(loadProblems); });

const PROBLEM_ACTION = {
  filed: "排查登记", accepted: "采纳", merged: "合并", rejected: "不予采纳", published: "发布",
  claimed: "认领", dropped: "放弃认领", escalated: "移交街道", resolved: "解决",
};

/** One item: details, photos (found and after), its log. */
async function openProblem(id) {
  const p = await api("GET", `/problems/${id}`);
  const pane = $("#problem");
  pane.hidden = false;
  pane.dataset.problemId = p.id;
  $("#problem-title").textContent = `${p.title}（${p.severity_label}）`;
  const owner = p.owner_unit_name ? ` · 认领单位 ${p.owner_unit_name}` : "";
  $("#problem-meta").textContent = `${PROBLEM_STATE[p.state] ?? p.state} · ${p.month} 清单 · ${p.location ?? ""}` +
    ` · 登记人 ${p.filer_name ?? ""}${owner}${p.late ? " · 逾期发布" : ""}`;
  $("#problem-description").textContent = p.description ?? "";
  $("#problem-photos").replaceChildren(...p.photos.map((r) => photo(r, "问题照片")));
  $("#problem-result").textContent = p.result ? `解决结果：${p.result}` : "";
  $("#problem-result-photos").replaceChildren(...p.result_photos.map((r) => photo(r, "解决照片")));
  $("#problem-events").replaceChildren(...(p.events ?? []).map((e) =>
    el("li", { textContent: `${when(e.at)} ${PROBLEM_ACTION[e.action] ?? e.action}${e.note ? `：${e.note}` : ""}` })));
}

// ---- joint meetings (联席会议): the record of each, and recording one --------------------

const DECISION = { accept: "采纳", merge: "合并", reject: "不予采纳" };
const regionNames = new Map();
/** A region's name, read once. */
function regionName(id) {
  if (!regionNames.has(id)) {
    regionNames.set(id, api("GET", `/regions/${id}`).then((r) => r.name, () => `区域 ${id}`));
  }
  return regionNames.get(id);
}

async function loadMeetings() {
  const page = await api("GET", `/regions/${region}/meetings?limit=50`);
  const rows = await Promise.all(page.items.map(async (m) => {
    const row = el("tr", { className: "order" },
      el("td", { textContent: when(m.held_at) }), el("td", { textContent: m.month }),
      el("td", { textContent: await regionName(m.community_id) }),
      el("td", { textContent: `${m.decisions.length} 项` }),
      el("td", { textContent: m.late ? "逾期记录" : "" }));
    row.dataset.meetingId = m.id;
    row.addEventListener("click", () => attempt(() => openMeeting(m.id)));
    return row;
  }));
  $("#meetings tbody").replaceChildren(...rows);
}

/** The items of `community`'s list for `month` (at most 100), by id. */
async function listItems(community, month, state) {
  const q = new URLSearchParams({ month, limit: "100" });
  if (state) q.set("state", state);
  const page = await api("GET", `/regions/${community}/problems?${q}`);
  return new Map(page.items.map((p) => [p.id, p]));
}

async function openMeeting(id) {
  const m = await api("GET", `/meetings/${id}`);
  const [items, units] = await Promise.all([
    listItems(m.community_id, m.month),
    api("GET", `/regions/${m.community_id}/units?limit=100`).catch(() => ({ items: [] })),
  ]);
  const title = (pid) => items.get(pid)?.title ?? `问题 ${pid}`;
  const unitName = (uid) => units.items.find((u) => u.id === uid)?.name ?? `单位 ${uid}`;
  $("#meeting-form").hidden = true;
  const pane = $("#meeting");
  pane.hidden = false;
  pane.dataset.meetingId = m.id;
  $("#meeting-title").textContent = `${await regionName(m.community_id)} ${m.month} 联席会议`;
  $("#meeting-meta").textContent = `${when(m.held_at)} 召开 · ${when(m.created_at)} 记录${m.late ? " · 会议日之后记录（逾期）" : ""}`;
  $("#meeting-attendees").textContent = m.attendees.join("、");
  $("#meeting-units").textContent = m.units_present.map(unitName).join("、") || "无";
  $("#meeting-minutes").textContent = m.minutes;
  $("#meeting-decisions").replaceChildren(...m.decisions.map((d) => {
    const into = d.into_id ? ` → 并入「${title(d.into_id)}」` : "";
    return el("li", { textContent: `${DECISION[d.action] ?? d.action}：${title(d.problem_id)}${into}${d.reason ? `（${d.reason}）` : ""}` });
  }));
}

/** Local time now as a `datetime-local` value. */
const localNow = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);

/** Opens the form: the months with items awaiting a meeting, the units reported here. */
async function newMeeting() {
  const [pending, units] = await Promise.all([
    api("GET", `/regions/${region}/problems?state=filed&limit=100`),
    api("GET", `/regions/${region}/units?limit=100`),
  ]);
  const months = [...new Set(pending.items.map((p) => p.month))];
  $("#meeting-month").replaceChildren(...months.map((m) => el("option", { value: m, textContent: m })));
  $("#meeting-held").value = localNow();
  $("#meeting-units-input").replaceChildren(...units.items.filter((u) => !u.department).map((u) =>
    el("label", {}, el("input", { type: "checkbox", value: u.id }), u.name)));
  $("#meeting").hidden = true;
  $("#meeting-form").hidden = false;
  await fillDecisions();
}

/** One row per item awaiting the meeting; merges go into another item of the same list. */
async function fillDecisions() {
  const month = $("#meeting-month").value;
  const items = month ? [...(await listItems(region, month)).values()] : [];
  const targets = items.filter((p) => !["merged", "rejected"].includes(p.state));
  const pending = items.filter((p) => p.state === "filed");
  const none = el("tr", {}, el("td", { colSpan: 3, textContent: "没有待审议的问题" }));
  $("#meeting-items tbody").replaceChildren(...(pending.length ? [] : [none]), ...pending.map((p) => {
    const action = el("select", { className: "decision", ariaLabel: "决定" },
      el("option", { value: "", textContent: "暂不审议" }),
      ...Object.entries(DECISION).map(([v, t]) => el("option", { value: v, textContent: t })));
    const into = el("select", { className: "into", ariaLabel: "并入", hidden: true },
      ...targets.filter((t) => t.id !== p.id).map((t) => el("option", { value: t.id, textContent: t.title })));
    const why = el("input", { className: "reason", placeholder: "理由（不予采纳时必填）" });
    action.addEventListener("change", () => { into.hidden = action.value !== "merge"; });
    const row = el("tr", {}, el("td", { textContent: `${p.title}（${p.severity_label}）` }),
      el("td", {}, action, into), el("td", {}, why));
    row.dataset.problemId = p.id;
    return row;
  }));
}

$("#meeting-new").addEventListener("click", () => attempt(newMeeting));
$("#meeting-month").addEventListener("change", () => attempt(fillDecisions));
$("#meeting-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const decisions = [...document.querySelectorAll("#meeting-items tr[data-problem-id]")].flatMap((row) => {
    const action = row.querySelector(".decision").value;
    if (!action) return [];
    const d = { problem_id: row.dataset.problemId, action };
    if (action === "merge") d.into_id = row.querySelector(".into").value;
    const why = row.querySelector(".reason").value.trim();
    if (why) d.reason = why;
    return [d];
  });
  const held = new Date($("#meeting-held").value);
  const body = {
    // An unreadable time goes as typed, for the server to refuse in its words.
    held_at: Number.isNaN(held.getTime()) ? $("#meeting-held").value : held.toISOString(),
    attendees: $("#meeting-attendees-input").value.split(/[,，、;；\s]+/).filter(Boolean),
    units_present: [...document.querySelectorAll("#meeting-units-input input:checked")].map((c) => c.value),
    minutes: $("#meeting-minutes-input").value.trim(),
    decisions,
  };
  if ($("#meeting-month").value) body.month = $("#meeting-month").value;
  attempt(async () => {
    const m = await api("POST", `/regions/${region}/meetings`, body);
    $("#meeting-form").reset();
    await loadMeetings();
    await openMeeting(m.id);
  }, "已记录，采纳的问题已发布");
});

// ---- dashboards ------------------------------------------------------------------------

function statsQuery() {
  const q = new URLSearchParams();
  if ($("#stats-from").value) q.set("from", $("#stats-from").value);
  if ($("#stats-to").value) q.set("to", $("#stats-to").value);
  return q;
}

async function loadStats() {
  await attempt(async () => {
    const s = await api("GET", `/regions/${region}/stats?${statsQuery()}`);
    const o = s.orders;
    const pct = (r) => (r.rate === null ? "—" : `${(r.rate * 100).toFixed(1)}%`);
    $("#stats-rates").replaceChildren(
      ...[["下单", o.placed], ["响应率", pct(o.response_rate)], ["解决率", pct(o.resolution_rate)],
        ["满意率", pct(o.satisfaction_rate)], ["办结率", pct(o.completion_rate)],
        ["服务时长（小时）", s.people.hours_served], ["报到人次", s.people.visits]]
        .map(([k, v]) => el("div", { className: "card" }, el("small", { textContent: k }), el("strong", { textContent: String(v) }))));
    if (!window.echarts) return;
    const names = s.children.map((c) => c.name);
    window.echarts.init($("#chart-orders")).setOption({
      title: { text: "各下级区域订单" }, tooltip: {}, legend: { top: 24 },
      xAxis: { type: "category", data: names }, yAxis: { type: "value" },
      series: [
        { name: "下单", type: "bar", data: s.children.map((c) => c.orders.placed) },
        { name: "办结", type: "bar", data: s.children.map((c) => c.orders.completion_rate.numerator) },
      ],
    });
    window.echarts.init($("#chart-points")).setOption({
      title: { text: "积分与服务" }, tooltip: {}, legend: { top: 24 },
      xAxis: { type: "category", data: names }, yAxis: { type: "value" },
      series: [
        { name: "服务时长（小时）", type: "bar", data: s.children.map((c) => c.people.hours_served) },
        { name: "绿币发放", type: "bar", data: s.children.map((c) => c.points.coins_issued.net) },
      ],
    });
  });
}
$("#stats-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadStats(); });

$("#stats-csv").addEventListener("click", () => attempt(async () => {
  const q = statsQuery();
  q.set("format", "csv");
  const res = await api("GET", `/regions/${region}/stats?${q}`, undefined, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  el("a", { href: url, download: `stats-${region}.csv` }).click();
  URL.revokeObjectURL(url);
}));

start();
