// The dashboard's only assets, served from the package itself (no CDN, nothing fetched at run time): a stylesheet and
// a small script that refreshes a live page in place. Kept as strings so the build ships them without a copy step.

export const DASHBOARD_CSS = `
:root { --bg: #f6f7f9; --card: #fff; --text: #1d2330; --dim: #6b7385; --line: #e3e6ec; --accent: #2f5fd0;
  --ok: #1f9d55; --bad: #d64545; --warn: #c98a00; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 18px; padding: 10px 24px; background: #1d2330; color: #fff; }
header.top .brand { font-weight: 700; font-size: 16px; color: #fff; }
header.top nav a { color: #c9d3ea; margin-right: 14px; }
header.top nav a.on { color: #fff; font-weight: 600; }
header.top form { margin-left: auto; display: flex; gap: 6px; }
header.top input { padding: 5px 8px; border-radius: 4px; border: 1px solid #3a4356; background: #2a3142; color: #fff; width: 240px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--line); color: var(--text); }
.badge.ro { background: #394157; color: #fff; }
.badge.paused { background: #fff1cc; color: #7a5300; }
main { padding: 20px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 14px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
.card > h2:first-child { margin-top: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--dim); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #b5bac6; }
td.failed-count { color: var(--bad); font-weight: 600; }
tr.lane td { color: var(--dim); font-size: 12px; }
pre { font-family: var(--mono); font-size: 12.5px; background: #f0f2f6; border: 1px solid var(--line); border-radius: 4px; padding: 10px;
  overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; margin: 4px 0 0; }
pre.stack { color: #7a2323; background: #fdf2f2; }
dl.fields { display: grid; grid-template-columns: 160px 1fr; gap: 4px 14px; margin: 0; }
dl.fields dt { color: var(--dim); }
dl.fields dd { margin: 0; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; }
.status-finished { color: var(--ok); } .status-failed, .status-expired { color: var(--bad); }
.status-started { color: var(--accent); } .status-canceled, .status-stopped { color: var(--warn); }
.tabs { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 12px; }
.tabs a { padding: 5px 12px; border-radius: 4px; background: var(--card); border: 1px solid var(--line); color: var(--text); }
.tabs a.on { background: var(--accent); border-color: var(--accent); color: #fff; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 8px 0 14px; }
.actions form { margin: 0; }
button { font: inherit; padding: 5px 12px; border-radius: 4px; border: 1px solid #c5cbd8; background: #fff; cursor: pointer; }
button:hover { background: #f0f3fa; }
button.danger { border-color: #e7a3a3; color: var(--bad); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.pager { display: flex; gap: 12px; align-items: center; margin-top: 10px; color: var(--dim); }
.notice { padding: 10px 14px; border-radius: 6px; margin-bottom: 14px; border: 1px solid; }
.notice.ok { background: #ecf8f1; border-color: #b5e2c8; }
.notice.bad { background: #fdf0f0; border-color: #efc0c0; }
.confirm { max-width: 640px; }
.dim { color: var(--dim); }
.mono { font-family: var(--mono); font-size: 12.5px; }
svg.chart { width: 100%; height: 120px; display: block; }
svg.chart .axis { stroke: var(--line); }
.finished { --k: #53b883; } .retried { --k: #e8a33d; } .failed { --k: var(--bad); } .canceled { --k: #9aa3b5; }
.stopped { --k: #8e6cc9; } .expired { --k: #b07d48; } .deleted { --k: #4f5668; }
svg.chart rect { fill: var(--k); } .legend i { background: var(--k); }
svg.chart text { fill: var(--dim); font-size: 10px; }
.legend { font-size: 12px; color: var(--dim); display: flex; align-items: center; }
.legend .from { margin-right: auto; } .legend .to { margin-left: auto; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; border-radius: 2px; }
.legend.kinds { flex-wrap: wrap; margin-top: 4px; } .legend.kinds b { font-weight: 600; color: var(--text); }
`;

/**
 * Refreshes a page marked `<main data-live="<seconds>">` in place: fetches the same address and swaps the new <main>
 * in (the server escaped its every value), while the tab is visible and no field has the focus.
 */
export const DASHBOARD_JS = `
(function () {
  var main = document.querySelector('main[data-live]');
  if (!main) return;
  var every = Math.max(1, Number(main.getAttribute('data-live')) || 2) * 1000;
  function tick() {
    var active = document.activeElement;
    if (document.hidden || (active && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(active.tagName))) return setTimeout(tick, every);
    fetch(location.href, { credentials: 'same-origin', headers: { 'x-jobline-live': '1' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text) {
          var next = new DOMParser().parseFromString(text, 'text/html').querySelector('main');
          if (next) { main.innerHTML = next.innerHTML; main.setAttribute('data-refreshed', String(Date.now())); }
        }
      })
      .catch(function () {})
      .then(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
})();
`;
