#!/usr/bin/python3
"""The operator console through a real browser (issue 15).

Starts a fresh redressd (a temp dir and config, as tests/integration/harness.lua
does) with a small per-case budget so that offers wait for approval, files three
complaints (Persian, Thai, Chinese) through the API, then drives Debian's
chromium headless with chromium-driver and python3-selenium: sign-in, the work
queue, a case page (a note sent), the approvals queue (one approved, one
denied), the Dashboard (its figures against GET /v1/dashboard), the Packs screen (its versions, pinned
cases and Reload, a broken pack's file:line), the What-if screen (a replay under a candidate with larger
coupons: the table's difference and the chart), the Recurring causes screen (five complaints of one cause, their
corrective action opened, assigned, noted and done), the CSRF refusal, a read-only operator's page and sign-out. Saves a
screenshot of every screen at 1280x800 and 390x844 in
$REDRESS_BUILD/console-screenshots.

Env: REDRESSD (the daemon), REDRESS_ROOT (the source tree), REDRESS_BUILD.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.environ.get("REDRESS_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BUILD = os.environ.get("REDRESS_BUILD") or os.path.join(ROOT, "build")
DAEMON = os.environ.get("REDRESSD") or os.path.join(BUILD, "redressd")
SHOTS = os.path.join(BUILD, "console-screenshots")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}

TOKENS = {"test-admin": ["admin"], "test-intake": ["intake"], "test-agent": ["agent"],
          "test-read": ["read"], "test-approver": ["approver"]}

COMPLAINTS = [
    ("fa", {"id": "cust-fa", "name": "مریم احمدی"},
     "سفارش من دو هفته است که نرسیده و هیچ‌کس به ایمیل‌هایم پاسخ نمی‌دهد. لطفاً هر چه زودتر پیگیری کنید."),
    ("th", {"id": "cust-th", "name": "สมชาย ใจดี"},
     "พัสดุของฉันล่าช้ามาสองสัปดาห์แล้ว และไม่มีใครตอบอีเมลเลย กรุณาช่วยตรวจสอบให้ด้วย"),
    ("zh", {"id": "cust-zh", "name": "王芳"},
     "我的包裹已经晚了两个星期，发了好几封邮件都没有人回复，请尽快处理。"),
]


# whatif: the candidate pack, and what retail's coupon is under each
COUPON = {"before": (10, 500, 2000), "after": (20, 500, 4000)}  # percent, min, max: retail's pack.lua, then the candidate's


def generous_candidate(to):
    """A copy of retail whose late-delivery coupons are twice as large (20 %, up to 40.00)."""
    shutil.copytree(os.path.join(ROOT, "policies/retail"), to)
    path = os.path.join(to, "pack.lua")
    with open(path) as f:
        src = f.read()
    for old, new in (('version = "0.1.0"', 'version = "0.2.0"'), ("coupon_percent = 10,", "coupon_percent = 20,"),
                     ("coupon_max = 2000,", "coupon_max = 4000,")):
        if src.count(old) != 1:
            raise AssertionError(f"retail's pack.lua no longer holds {old!r}")
        src = src.replace(old, new)
    with open(path, "w") as f:
        f.write(src)


def lua_config(d):
    toks = ",\n".join('    ["%s"] = { "%s" }' % (t, r[0]) for t, r in TOKENS.items())
    return f"""return {{
  listen = "127.0.0.1:0",
  data_dir = "{d}/data",
  packs = {{ "{d}/retail" }},  -- packs: a copy, which the Packs test breaks and mends
  default_pack = "retail",
  log = {{ access = false }},
  budgets = {{ per_case = {{ EUR = 100 }} }},  -- 1.00 EUR: every coupon waits for approval
  replay = {{ candidates = "{d}/candidates" }},  -- whatif: retail with larger coupons
  tokens = {{
{toks},
  }},
}}
"""


class Daemon:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="redress-console.")
        self.conf = os.path.join(self.dir, "redress.conf.lua")
        shutil.copytree(os.path.join(ROOT, "policies/retail"), os.path.join(self.dir, "retail"))  # packs
        generous_candidate(os.path.join(self.dir, "candidates", "retail-generous"))  # whatif
        with open(self.conf, "w") as f:
            f.write(lua_config(self.dir))
        self.log = open(os.path.join(self.dir, "daemon.log"), "w+")
        self.proc = subprocess.Popen([DAEMON, "-c", self.conf], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.time() + 15
        while time.time() < deadline and not self.port:
            self.log.seek(0)
            m = re.search(r'"msg":"listening".*?"port":(\d+)', self.log.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.port:
            self.log.seek(0)
            raise RuntimeError("redressd did not start:\n" + self.log.read()[-3000:])
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, token="test-admin", headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def stop(self):
        self.proc.terminate()
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        self.log.close()
        if os.environ.get("REDRESS_KEEP_TMP") == "1":
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return code


def browser(lang="en-GB"):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=" + lang,
              "--hide-scrollbars", "--force-device-scale-factor=1"):
        o.add_argument(a)
    o.add_experimental_option("prefs", {"intl.accept_languages": lang})  # navigator.languages (the dashboard's locale)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(30)
    return d


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok -", what)


def each_width(drv, screen):
    """Shows the screen at each of SIZES' widths and checks it fits without
    scrolling sideways; yields (name, width) for checks of the screen's own."""
    for name, (w, _) in SIZES.items():
        drv.set_window_size(w, 900)
        time.sleep(0.3)
        over = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(over <= 0, f"{screen} fits the {name} width ({w}px) without scrolling sideways")
        yield name, w


# ---- learn: the Recurring causes screen (console/learn.js) -------------------

def learn_screen(daemon, drv, wait, ready, shoot, fetch):
    """Five complaints of one cause (retail: category + order.sku, threshold 5) propose a
    corrective action; the screen shows it, and an admin opens, assigns, notes and finishes it."""
    cases = []
    for i in range(5):
        s, r = daemon.request("POST", "/v1/complaints", {
            "customer": {"id": f"cust-learn-{i}", "name": f"Kim {i}"}, "channel": "web", "language": "en",
            "category": "late_delivery", "description": "The parcel with the blue kettle is late again.",
            "order": {"id": f"K-{i}", "amount": 2999, "currency": "EUR", "sku": "KETTLE-BLUE"}}, token="test-intake")
        check(s == 201, f"recurring complaint {i + 1} filed ({s})")
        cases.append(r["case"]["id"])
    s, r = daemon.request("GET", "/v1/corrective-actions?status=proposed", token="test-read")
    check(s == 200 and len(r["corrective_actions"]) == 1, "the fifth complaint of the cause proposed one action")
    aid = r["corrective_actions"][0]["id"]
    s, r = daemon.request("POST", f"/v1/corrective-actions/{aid}/events", {"type": "open"}, token="test-agent")
    check(s == 403, "an agent may not open a corrective action (the server refuses it)")

    drv.find_element(By.ID, "nav-causes").click()
    ready("/causes")
    card = f'article.ca[data-action="{aid}"]'
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, card + '[data-status="proposed"]')))
    text = drv.find_element(By.ID, "causes").text
    check("late_delivery" in text and "order.sku KETTLE-BLUE" in text and "5 complaints" in text,
          "the Recurring causes screen shows the cause, its values and its complaints")
    shoot("causes-proposed")

    def move(button, status, fill=None):
        el = drv.find_element(By.CSS_SELECTOR, card)
        if fill:
            name, value = fill
            el.find_element(By.ID, f"ca-{name}-{aid}").send_keys(value)
        el.find_element(By.CSS_SELECTOR, f'button[data-move="{button}"]').click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, card + f'[data-status="{status}"]')))
        if button == "note":
            wait.until(lambda d: fill[1] in d.find_element(By.CSS_SELECTOR, card).text)

    move("open", "open")
    move("assign", "assigned", ("to", "warehouse-lead"))
    move("note", "assigned", ("note", "New kettle boxes from the supplier from Monday."))
    move("done", "done")
    el = drv.find_element(By.CSS_SELECTOR, card)
    check(not el.find_elements(By.CSS_SELECTOR, 'button[data-move="done"], button[data-move="open"]'),
          "a done action offers no open or done button")
    check(drv.find_elements(By.CSS_SELECTOR, card + ' .effect[data-effect="5-0"]'),
          "the done action shows the complaints before (5) and after (0) it was done")
    check("warehouse-lead" in el.text and "New kettle boxes" in el.text, "the assignee and the note are shown")
    shoot("causes")
    s, r = daemon.request("GET", f"/v1/corrective-actions/{aid}", token="test-read")
    a = r["corrective_action"]
    check([x["type"] for x in a["history"]] == ["proposed", "open", "assign", "note", "done"]
          and all(x["actor"]["roles"] == "admin" for x in a["history"][1:]),
          "the action went proposed → open → assigned → done, each change with the signed-in actor")

    # the dashboard says whether the cause's complaints fell after it was done
    drv.get(daemon.base + "/console/#/dashboard")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#learn-effects li[data-action="{aid}"] .effect[data-effect="5-0"]'))
    check("did complaints fall" in drv.find_element(By.ID, "learn-effects").text,
          "the dashboard shows the done action with the complaints before and after it")

    # the case page shows the action it is part of
    drv.get(daemon.base + "/console/#/case/" + cases[-1])
    ready("/case/" + cases[-1])
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-learn="case"] {card}'))
    check("done" in drv.find_element(By.CSS_SELECTOR, '[data-learn="case"]').text,
          "the case page shows its corrective action, done")
    return aid


def learn_readonly(daemon, drv, ready, fetch, aid):
    """A read-only operator sees the causes but no button, and the server refuses the change."""
    drv.get(daemon.base + "/console/#/causes")
    ready("/causes")
    check(drv.find_elements(By.CSS_SELECTOR, f'article.ca[data-action="{aid}"]')
          and not drv.find_elements(By.CSS_SELECTOR, "[data-move]"),
          "a read-only operator sees the Recurring causes screen without buttons")
    csrf = drv.execute_script("return S.csrf")
    s, r = fetch("POST", f"/v1/corrective-actions/{aid}/events", {"type": "note", "data": {"text": "x"}}, csrf)
    check(s == 403 and r["error"]["code"] == "forbidden", "and the server refuses a read-only operator's note")

# ---- end of learn ---------------------------------------------------------------


# ---- dashboard: the Dashboard screen (console/dashboard.js) ---------------------

def dashboard_screen(daemon, drv, wait, ready, shoot, ids):
    """The figures the screen shows are those of GET /v1/dashboard, which are what was sent:
    the complaints filed, one resolution, two satisfaction scores, the coupon approved."""
    for lang, etype, data in (("th", "case.resolved", {"resolution": "replaced"}),
                              ("th", "satisfaction.reported", {"score": 4}),
                              ("zh", "satisfaction.reported", {"score": 2})):
        s, _ = daemon.request("POST", f"/v1/cases/{ids[lang]}/events", {"type": etype, "data": data}, token="test-agent")
        check(s == 200, f"{etype} sent on the {lang} case")
    s, r = daemon.request("GET", "/v1/dashboard", token="test-read")
    check(s == 200, "GET /v1/dashboard answers")
    d = r["dashboard"]
    s, cases = daemon.request("GET", "/v1/cases?limit=200", token="test-read")
    check(d["complaints"] == len(cases["cases"]), f"the dashboard counts every complaint filed ({d['complaints']})")
    check(d["csat"] == {"count": 2, "average": 3, "scores": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}},
          "the dashboard holds the two satisfaction scores")
    check(d["resolution"]["count"] == 1, "and the one resolution")
    check(d["compensation"]["totals"].get("EUR", 0) > 0, "and the approved coupon's amount")

    drv.find_element(By.ID, "nav-dashboard").click()
    ready("/dashboard")
    kpis = {e.get_attribute("data-kpi"): e.text for e in drv.find_elements(By.CSS_SELECTOR, "#dash-kpis [data-kpi]")}
    check(kpis["complaints"].split("\n")[1] == str(d["complaints"]), f"the screen shows {d['complaints']} complaints")
    check("3 / 5" in kpis["csat"] and "2 ratings" in kpis["csat"], "the screen shows the satisfaction average and count")
    check("1 case" in kpis["resolution"] and "< 1 min" in kpis["resolution"], "the screen shows the resolution, in its first band")
    check(str(d["open"]["total"]) in kpis["open"], f"the screen shows {d['open']['total']} open cases")
    check("€" in kpis["compensation"], "the screen shows the compensation in euros")
    bars = {r.get_attribute("data-label"): int(r.get_attribute("data-value"))
            for r in drv.find_elements(By.CSS_SELECTOR, '[data-chart="csat"] rect')}
    check(bars == {"★ 1": 0, "★ 2": 1, "★ 3": 0, "★ 4": 1, "★ 5": 0}, "the satisfaction chart has a bar per score")
    days = drv.find_elements(By.CSS_SELECTOR, '[data-chart="complaints"] rect')
    check(len(days) == 30 and sum(int(r.get_attribute("data-value")) for r in days) == d["complaints"],
          "the complaints chart has the 30 days and their sum")
    status = {r.get_attribute("data-label"): int(r.get_attribute("data-value"))
              for r in drv.find_elements(By.CSS_SELECTOR, '[data-chart="open_status"] rect')}
    check(sum(status.values()) == d["open"]["total"], "the open-cases chart adds up to the open cases")
    check(drv.find_elements(By.CSS_SELECTOR, '[data-chart="compensation-EUR"] rect[data-value]'),
          "the compensation chart of the euro is drawn")
    shoot("dashboard")
    for name, _ in each_width(drv, "the dashboard"):
        widths = drv.execute_script("return [...document.querySelectorAll('.dash-plot svg')].map((s) => s.getBoundingClientRect().right <= window.innerWidth)")
        check(all(widths), f"every chart is drawn inside the {name} width")
    # a window of 7 days for the pack
    drv.get(daemon.base + "/console/#/dashboard?days=7&pack=retail")
    ready("/dashboard")
    check(len(drv.find_elements(By.CSS_SELECTOR, '[data-chart="complaints"] rect')) == 7, "a 7-day window has 7 days")


# i18n: a few of the console's own words in each language it speaks (console/i18n.js)
CHROME = {
    "en": {"code": "en", "customer": "Customer", "signin": "Sign in", "queue": "Work queue", "dashboard": "Dashboard"},
    "th": {"code": "th", "customer": "ลูกค้า", "signin": "เข้าสู่ระบบ", "queue": "คิวงาน", "dashboard": "แดชบอร์ด"},
    "fa": {"code": "fa", "customer": "مشتری", "signin": "ورود", "queue": "صف کار", "dashboard": "داشبورد"},
    "zh": {"code": "zh", "customer": "客户", "signin": "登录", "queue": "工作队列", "dashboard": "仪表板"},
    "ru": {"code": "ru", "customer": "Клиент", "signin": "Войти", "queue": "Очередь", "dashboard": "Сводка"},
}


def language_selector(daemon, drv, ready):
    """The selector changes the console's words, is kept across pages, and English comes back."""
    drv.get(daemon.base + "/console/#/queue")
    ready("/queue")
    Select(drv.find_element(By.ID, "lang")).select_by_value("ru")
    WebDriverWait(drv, 15, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
                                 and d.find_elements(By.ID, "view") and d.find_element(By.ID, "view").get_attribute("data-ready") == "/queue")
    check(drv.find_element(By.ID, "nav-queue").text == "Очередь" and drv.find_element(By.ID, "signout").text == "Выйти",
          "choosing Русский in the selector turns the menu Russian")
    drv.get(daemon.base + "/console/#/dashboard")
    ready("/dashboard")
    check(drv.find_element(By.CSS_SELECTOR, "#view h1").text == "Сводка", "and it is kept on the next page")
    Select(drv.find_element(By.ID, "lang")).select_by_value("en")
    WebDriverWait(drv, 15, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
                                 and d.find_elements(By.ID, "view") and d.find_element(By.ID, "view").get_attribute("data-ready"))
    check(drv.find_element(By.ID, "nav-dashboard").text == "Dashboard", "English comes back")


def dashboard_locales(daemon):
    """The dashboard in the other four languages of the console's complaints' users (Persian,
    Thai, Chinese, German; English is the main run): numbers and dates in the browser's locale,
    nothing wider than a phone, a screenshot of each."""
    for lang, digit in (("fa", "۰۱۲۳۴۵۶۷۸۹"), ("th", "0123456789"), ("zh-CN", "0123456789"), ("ru", "0123456789"),
                        ("de", "0123456789")):
        drv = browser(lang)
        try:
            drv.set_window_size(390, 844)
            vw, vh = drv.execute_script("return [window.innerWidth, window.innerHeight]")
            drv.set_window_size(390 + (390 - vw), 844 + (844 - vh))
            drv.get(daemon.base + "/console/")
            # i18n: the console's own words in the browser's language (German: English, the fallback)
            words = CHROME.get(lang.split("-")[0], CHROME["en"])
            button = drv.find_element(By.CSS_SELECTOR, "#signin button")
            check(button.text == words["signin"], f"in {lang}, the sign-in button reads {words['signin']!r} ({button.text!r})")
            drv.find_element(By.ID, "token").send_keys("test-read")
            button.click()
            WebDriverWait(drv, 15, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_elements(By.ID, "view") and d.find_element(By.ID, "view").get_attribute("data-ready"))
            root = drv.find_element(By.TAG_NAME, "html")
            check(drv.find_element(By.ID, "nav-queue").text == words["queue"] and drv.find_element(By.CSS_SELECTOR, "#view h1").text == words["queue"],
                  f"in {lang}, the menu and the work queue's title read {words['queue']!r}")
            check(root.get_attribute("dir") == ("rtl" if lang == "fa" else "ltr") and root.get_attribute("lang") == words["code"],
                  f"in {lang}, the page is {root.get_attribute('dir')} in {root.get_attribute('lang')}")
            over = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            check(over <= 0, f"in {lang}, the work queue fits a phone's width")
            drv.save_screenshot(os.path.join(SHOTS, f"queue-{lang}-phone.png"))
            # a case page: its sections' titles in the same language
            first = drv.find_element(By.CSS_SELECTOR, "#queue .row")
            case_id = first.get_attribute("data-case")
            first.click()
            WebDriverWait(drv, 15, ignored_exceptions=(WebDriverException,)).until(
                lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == "/case/" + case_id)
            titles = [e.text for e in drv.find_elements(By.CSS_SELECTOR, "#view section.card h2")]
            check(words["customer"] in titles, f"in {lang}, the case page's sections read {titles[:3]}")
            if lang == "fa":
                drv.set_window_size(1280 + (390 - vw), 800 + (844 - vh))  # the same chrome as the phone's
                time.sleep(0.3)
                drv.save_screenshot(os.path.join(SHOTS, "queue-fa-desktop.png"))
                drv.set_window_size(390 + (390 - vw), 844 + (844 - vh))
            drv.get(daemon.base + "/console/#/dashboard")
            WebDriverWait(drv, 15, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == "/dashboard")
            check(drv.execute_script("return navigator.language").startswith(lang.split("-")[0]), f"the browser speaks {lang}")
            value = drv.find_element(By.CSS_SELECTOR, '[data-kpi="complaints"] .dash-value').text
            check(value and all(c in digit for c in value), f"in {lang}, the figures are written with the locale's digits ({value})")
            over = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            check(over <= 0, f"in {lang}, the dashboard fits a phone's width")
            drv.save_screenshot(os.path.join(SHOTS, f"dashboard-{lang}-phone.png"))
        finally:
            drv.quit()


def dashboard_readonly(daemon, drv, ready):
    """A read-only operator sees the dashboard too."""
    drv.get(daemon.base + "/console/#/dashboard")
    ready("/dashboard")
    check(drv.find_elements(By.CSS_SELECTOR, "#dash-kpis [data-kpi]"), "a read-only operator sees the dashboard")

# ---- end of dashboard -----------------------------------------------------------


# ---- packs: the Packs screen (console/packs.js) ---------------------------------

def packs_screen(daemon, drv, wait, ready, shoot):
    """The versions loaded with the cases pinned to them; Reload as an admin with nothing changed
    (the versions shown), then with a broken policy.lua (its file:line shown, nothing changed)."""
    s, j = daemon.request("GET", "/v1/packs", token="test-read")
    check(s == 200 and [p["name"] + " " + p["version"] for p in j["packs"]] == ["retail 0.1.0"], "GET /v1/packs lists retail 0.1.0")
    s, cases = daemon.request("GET", "/v1/cases?limit=200", token="test-read")
    n = len(cases["cases"])
    n_open = sum(1 for c in cases["cases"] if c["status"] not in ("resolved", "closed", "rejected"))
    check(j["pinned"] == {"retail@0.1.0": {"cases": n, "open": n_open}},
          f"GET /v1/packs counts the {n} cases pinned to retail 0.1.0, {n_open} open")

    drv.find_element(By.ID, "nav-packs").click()
    ready("/packs")
    card = drv.find_element(By.CSS_SELECTOR, 'article.pack[data-pack="retail@0.1.0"]')
    text = card.text
    p = j["packs"][0]
    check("retail" in text and "0.1.0" in text and "default" in text and p["hash"][:16] in text,
          "the Packs screen shows the version loaded: name, version, default, hash")
    check(", ".join(p["languages"]) in text and "not quarantined" in text, "its languages and its quarantine state")
    check(f'{p["recurring"]["threshold"]} complaints in {p["recurring"]["window_days"]} days' in text,
          "its recurring-cause setting")
    pinned = card.find_element(By.CSS_SELECTOR, ".pack-pinned")
    check(pinned.get_attribute("data-cases") == str(n) and f"{n} cases pinned ({n_open} open)" in pinned.text,
          "the cases pinned to it, and how many are open")
    card.find_element(By.CSS_SELECTOR, "details.pack-more summary").click()
    some = sorted(p["settings"])[0]
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "details.pack-more").get_attribute("open") is not None)
    shown = card.find_element(By.CSS_SELECTOR, ".pack-settings").get_attribute("textContent")
    check(some in shown, f"its settings in force ({some})")
    shoot("packs")

    # the link to the work queue: this version's open cases
    pinned.find_element(By.TAG_NAME, "a").click()
    ready("/queue")
    check("pack_version=0.1.0" in drv.current_url and drv.find_element(By.ID, "f-pack_version").get_attribute("value") == "0.1.0",
          "the link opens the work queue filtered by the pack version")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue .row")) >= min(n_open, 10))
    drv.back()
    ready("/packs")

    # Reload with nothing changed: the versions in force are shown
    drv.find_element(By.ID, "packs-reload").click()
    wait.until(lambda d: d.find_element(By.ID, "reload-result").get_attribute("data-result"))
    res = drv.find_element(By.ID, "reload-result")
    check(res.get_attribute("data-result") == "ok" and "Reloaded" in res.text
          and res.find_elements(By.CSS_SELECTOR, '.pack-reloaded[data-pack="retail@0.1.0"]'),
          "Reload as an admin with nothing changed shows retail 0.1.0 reloaded")
    shoot("packs-reloaded")

    # a broken policy.lua: the error with its file:line, and nothing changed
    policy = os.path.join(daemon.dir, "retail", "policy.lua")
    with open(policy) as f:
        good = f.read()
    line = good.count("\n") + 2
    with open(policy, "w") as f:
        f.write(good + "\nthis is not lua\n")
    try:
        drv.find_element(By.ID, "packs-reload").click()
        wait.until(lambda d: d.find_element(By.ID, "reload-result").get_attribute("data-result") == "failed")
        msg = drv.find_element(By.CSS_SELECTOR, "#reload-result .error").text
        check(f"policy.lua:{line}:" in msg and "(422)" in msg, f"a broken pack's Reload shows the error with file:line ({msg})")
        check("Nothing changed" in drv.find_element(By.ID, "reload-result").text, "and says nothing changed")
        s, after = daemon.request("GET", "/v1/packs", token="test-read")
        check(after["packs"] == j["packs"], "GET /v1/packs is as before the failed reload")
        check(drv.find_elements(By.CSS_SELECTOR, 'article.pack[data-pack="retail@0.1.0"]'), "the screen still shows retail 0.1.0")
        shoot("packs-reload-failed")
    finally:
        with open(policy, "w") as f:
            f.write(good)
    s, r = daemon.request("POST", "/v1/admin/reload")
    check(s == 200 and r["packs"][0]["hash"] == p["hash"], "mended, the pack reloads with its old hash")


def packs_readonly(daemon, drv, ready, fetch):
    """A read-only operator sees the versions but no Reload button, and the server refuses the reload."""
    drv.get(daemon.base + "/console/#/packs")
    ready("/packs")
    check(drv.find_elements(By.CSS_SELECTOR, 'article.pack[data-pack="retail@0.1.0"]') and not drv.find_elements(By.ID, "packs-reload"),
          "a read-only operator sees the Packs screen without the Reload button")
    s, r = fetch("POST", "/v1/admin/reload", None, drv.execute_script("return S.csrf"))
    check(s == 403 and r["error"]["code"] == "forbidden", "and the server refuses a read-only operator's reload")

# ---- end of packs ---------------------------------------------------------------


# ---- whatif: the What-if screen (console/whatif.js) ----------------------------

def coupon(amount, side):
    pct, lo, hi = COUPON[side]
    return max(lo, min(hi, amount * pct // 100))


def whatif_screen(daemon, drv, wait, ready, shoot):
    """Late deliveries in USD (no budget cap: their coupons are offered at once), then a replay under
    retail-generous from the screen: the table's USD row and the chart hold what the coupons add up to
    under each version, and the changed cases link to their case pages."""
    amounts = [3000, 8000, 15000, 30000]
    for i, amount in enumerate(amounts):
        s, r = daemon.request("POST", "/v1/complaints", {
            "customer": {"id": f"cust-usd-{i}", "name": "Sam"}, "channel": "email", "language": "en",
            "category": "late_delivery", "description": "Still waiting for my parcel.",
            "order": {"id": f"U-{i}", "amount": amount, "currency": "USD"}}, token="test-intake")
        check(s == 201 and any(o["amount"] == coupon(amount, "before") for o in r["case"]["offers"]),
              f"a USD late delivery of {amount} gets retail's coupon of {coupon(amount, 'before')}")
    before, after = sum(coupon(a, "before") for a in amounts), sum(coupon(a, "after") for a in amounts)

    nav = drv.find_element(By.ID, "nav-whatif")
    check(nav.is_displayed(), "an admin sees What-if in the menu")
    nav.click()
    ready("/whatif")
    pick = drv.find_element(By.ID, "whatif-candidate")
    check(pick.get_attribute("value") == "retail-generous" and "retail 0.2.0" in pick.text,
          "the candidate folder's pack is offered: retail-generous, retail 0.2.0")
    drv.find_element(By.ID, "whatif-run").click()
    wait_long = WebDriverWait(drv, 60, ignored_exceptions=(StaleElementReferenceException,))
    wait_long.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#whatif-result[data-state="done"]')
                    and d.find_element(By.ID, "view").get_attribute("data-ready") == "/whatif")
    rid = re.search(r"id=([^&]+)", drv.current_url).group(1)
    s, j = daemon.request("GET", f"/v1/replays/{rid}")
    rep = j["replay"]["report"]
    check(s == 200 and rep["compensation"]["before"]["USD"] == before and rep["compensation"]["after"]["USD"] == after,
          f"the replay's USD compensation is {before} before and {after} after")

    row = drv.find_element(By.CSS_SELECTOR, '#whatif-table tr[data-row="USD"]')
    check(row.get_attribute("data-before") == str(before) and row.get_attribute("data-after") == str(after)
          and row.get_attribute("data-difference") == str(after - before), "the table's USD row: before, after, difference")
    cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    check(cells[2].startswith("+") and f"{(after - before) / 100:,.2f}" in cells[2],
          f"the difference reads +{(after - before) / 100:,.2f} ({cells})")
    esc = drv.find_element(By.CSS_SELECTOR, '#whatif-table tr[data-row="escalations"]')
    check(esc.get_attribute("data-before") == str(rep["escalations"]["before"]["count"]), "the escalations row")
    bars = {r.get_attribute("data-side"): r for r in drv.find_elements(By.CSS_SELECTOR, '#whatif-chart svg[data-row="USD"] rect')}
    hb, ha = (float(bars[k].get_attribute("height")) for k in ("before", "after"))
    check(ha > hb > 0 and abs(hb / ha - before / after) < 0.01, f"the chart's USD bars are drawn in proportion ({hb:.1f} : {ha:.1f})")
    links = drv.find_elements(By.CSS_SELECTOR, "#whatif-changes tr[data-case] a")
    check(len(links) == rep["changed_cases"] and rep["changed_cases"] >= len(amounts),
          f"the {rep['changed_cases']} changed cases are listed")
    usd = [a for a in links if "offer" in a.find_element(By.XPATH, "../..").text and "USD" in a.find_element(By.XPATH, "../..").text]
    check(usd, "a changed case says how its USD offer changes")
    shoot("whatif")
    for _ in each_width(drv, "the What-if screen"):
        pass
    drv.set_window_size(*SIZES["desktop"])
    target = usd[0].text
    usd[0].click()
    ready("/case/" + target)
    check(target in drv.current_url, "a changed case links to its case page")


def whatif_readonly(daemon, drv, ready, fetch):
    """A read-only operator has no What-if menu entry, the screen says why, and the server refuses a replay."""
    check(not drv.find_element(By.ID, "nav-whatif").is_displayed(), "a read-only operator has no What-if in the menu")
    drv.get(daemon.base + "/console/#/whatif")
    ready("/whatif")
    check("Only an admin" in drv.find_element(By.ID, "view").text and not drv.find_elements(By.ID, "whatif-run"),
          "the What-if screen says it is an admin's")
    s, r = fetch("POST", "/v1/replays", {"candidate": "retail-generous"}, drv.execute_script("return S.csrf"))
    check(s == 403 and r["error"]["code"] == "forbidden", "and the server refuses a read-only operator's replay")

# ---- end of whatif ---------------------------------------------------------------


def main():
    os.makedirs(SHOTS, exist_ok=True)
    daemon = Daemon()
    drv = None
    try:
        ids = {}
        for lang, customer, text in COMPLAINTS:
            s, r = daemon.request("POST", "/v1/complaints", {
                "customer": customer, "channel": "email", "language": lang, "category": "late_delivery",
                "description": text, "order": {"id": "A-" + lang, "amount": 4999, "currency": "EUR"}},
                token="test-intake")
            check(s == 201, f"complaint in {lang} filed ({s})")
            ids[lang] = r["case"]["id"]
            check(r["case"]["approvals"] and r["case"]["approvals"][0]["status"] == "pending",
                  f"the {lang} case's coupon waits for approval")

        drv = browser()
        # the page renders again as data comes: an element read in a
        # condition may be replaced meanwhile, and the condition is asked again
        wait = WebDriverWait(drv, 15, ignored_exceptions=(StaleElementReferenceException,))

        def size(name):
            w, h = SIZES[name]
            drv.set_window_size(w, h)
            # the window's outer size includes no chrome in headless mode; make the viewport exact
            vw, vh = drv.execute_script("return [window.innerWidth, window.innerHeight]")
            if (vw, vh) != (w, h):
                drv.set_window_size(w + (w - vw), h + (h - vh))

        def shoot(screen):
            for name in SIZES:
                size(name)
                time.sleep(0.3)
                path = os.path.join(SHOTS, f"{screen}-{name}.png")
                drv.save_screenshot(path)
            size("desktop")

        def ready(route):
            # a sign-in ends in a navigation of its own: a poll it interrupts is tried again
            WebDriverWait(drv, 15, ignored_exceptions=(WebDriverException,)).until(
                lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == route)

        def fetch(method, path, body=None, csrf=None):
            return drv.execute_async_script("""
                const [method, path, body, csrf, done] = arguments;
                const headers = {"Content-Type": "application/json"};
                if (csrf) headers["X-Redress-CSRF"] = csrf;
                fetch(path, {method, headers, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined})
                  .then(async (r) => done([r.status, await r.json().catch(() => null)]), (e) => done([0, String(e)]));
            """, method, path, body, csrf)

        # signed out: the sign-in page and nothing else
        size("desktop")
        drv.get(daemon.base + "/")
        wait.until(EC.presence_of_element_located((By.ID, "signin")))
        check(drv.current_url.endswith("/console/"), "/ redirects to /console/")
        check(not drv.find_elements(By.ID, "view") and not drv.find_elements(By.TAG_NAME, "nav"),
              "signed out, the page is only the sign-in form")
        check(fetch("GET", "/v1/queue")[0] == 401, "signed out, the API answers 401")
        shoot("signin")
        drv.find_element(By.ID, "token").send_keys("wrong-token-123")
        drv.find_element(By.CSS_SELECTOR, "#signin button").click()
        wait.until(EC.visibility_of_element_located((By.ID, "signin-error")))
        check("not known" in drv.find_element(By.ID, "signin-error").text, "a wrong token is refused")

        # sign in (admin: every role)
        tok = drv.find_element(By.ID, "token")
        tok.clear()
        tok.send_keys("test-admin")
        drv.find_element(By.CSS_SELECTOR, "#signin button").click()
        ready("/queue")
        cookie = drv.get_cookie("redress_session")
        check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict" and cookie["path"] == "/",
              "the session cookie is HttpOnly, SameSite=Strict, Path=/")

        # the work queue: the three cases, nearest deadline first
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue .row")) >= 3)
        rows = drv.find_elements(By.CSS_SELECTOR, "#queue .row")
        listed = [r.get_attribute("data-case") for r in rows]
        check(sorted(listed) == sorted(ids.values()), f"the queue lists the three cases ({listed})")
        body = drv.find_element(By.ID, "queue").text
        for lang, customer, text in COMPLAINTS:
            check(text[:12] in body and customer["name"] in body, f"the queue shows the {lang} complaint and customer")
        fa_desc = drv.find_element(By.CSS_SELECTOR, f'#queue .row[data-case="{ids["fa"]}"] .desc')
        check(fa_desc.get_attribute("dir") == "rtl" and fa_desc.get_attribute("lang") == "fa",
              "the Persian complaint is right to left in the queue")
        check("promise" in body and "to approve" in body, "the queue shows the deadline (a promise) and the approvals")
        shoot("queue")
        # a filter: Thai only
        drv.get(daemon.base + "/console/#/queue?language=th")
        ready("/queue")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#queue .row") or d.find_elements(By.CSS_SELECTOR, "#queue p"))
        only = [r.get_attribute("data-case") for r in drv.find_elements(By.CSS_SELECTOR, "#queue .row")]
        check(only == [ids["th"]], "the language filter keeps the Thai case only")

        # the case page, in Persian; a note
        drv.get(daemon.base + "/console/#/queue")
        ready("/queue")
        wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, f'#queue .row[data-case="{ids["fa"]}"]'))).click()
        ready("/case/" + ids["fa"])
        complaint = drv.find_element(By.CSS_SELECTOR, ".complaint")
        check(complaint.get_attribute("dir") == "rtl" and COMPLAINTS[0][2] in complaint.text,
              "the case page shows the Persian complaint right to left")
        text = drv.find_element(By.ID, "view").text
        for want in ("Customer", "Deadlines", "Offers and approvals", "Timeline", "Why", "complaint.received",
                     "decision", "promise P1", "approval A1 pending", "مریم احمدی"):
            check(want in text, f"the case page shows {want!r}")
        shoot("case")
        note = "تماس گرفتم؛ بسته فردا تحویل می‌شود."
        drv.find_element(By.ID, "note-text").send_keys(note)
        drv.find_element(By.ID, "send-note").click()
        wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == "/case/" + ids["fa"]
                   and "agent.note" in d.find_element(By.CSS_SELECTOR, ".timeline").text)
        check(note in drv.find_element(By.CSS_SELECTOR, ".timeline").text, "the note is on the timeline")
        s, c = daemon.request("GET", "/v1/cases/" + ids["fa"], token="test-read")
        notes = [e for e in c["timeline"] if e.get("type") == "agent.note"]
        check(len(notes) == 1 and notes[0]["data"]["note"] == note and notes[0]["actor"]["roles"] == "admin",
              "the note is stored with the signed-in token as its actor")

        # CSRF: a cookie write without the header is refused; with it, it goes through
        csrf = drv.execute_script("return S.csrf")
        s, r = fetch("POST", f"/v1/cases/{ids['th']}/events", {"type": "agent.note", "data": {"note": "x"}})
        check(s == 403 and r["error"]["code"] == "csrf_required", "a cookie write without X-Redress-CSRF is a 403")
        s, r = fetch("POST", f"/v1/cases/{ids['th']}/events", {"type": "agent.note", "data": {"note": "x"}}, "0" * 32)
        check(s == 403, "a cookie write with a wrong X-Redress-CSRF is a 403")
        s, c = daemon.request("GET", "/v1/cases/" + ids["th"], token="test-read")
        check(not [e for e in c["timeline"] if e.get("type") == "agent.note"], "the refused writes wrote nothing")
        s, r = fetch("POST", f"/v1/cases/{ids['th']}/events", {"type": "agent.note", "data": {"note": "ok"}}, csrf)
        check(s == 200, "the same write with the header goes through")

        # approvals: approve the Persian case's coupon, deny the Thai one's
        drv.find_element(By.ID, "nav-approvals").click()
        ready("/approvals")
        cards = drv.find_elements(By.CSS_SELECTOR, "#approvals article")
        check(len(cards) == 3, "the approvals queue holds the three coupons")
        check(COMPLAINTS[2][2] in drv.find_element(By.ID, "approvals").text, "it shows the Chinese complaint")
        shoot("approvals")
        for lang, button, reason in (("fa", "data-approve", "مشتری وفادار"), ("th", "data-deny", "ส่งของทดแทนแล้ว")):
            card = drv.find_element(By.CSS_SELECTOR, f'#approvals article[data-approval="{ids[lang]}/A1"]')
            card.find_element(By.TAG_NAME, "input").send_keys(reason)
            card.find_element(By.CSS_SELECTOR, f"button[{button}]").click()
            wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f'#approvals article[data-approval="{ids[lang]}/A1"]')
                       and d.find_element(By.ID, "view").get_attribute("data-ready") == "/approvals")
        check(len(drv.find_elements(By.CSS_SELECTOR, "#approvals article")) == 1, "one approval is left")
        for lang, status, etype in (("fa", "granted", "approval.granted"), ("th", "denied", "approval.denied")):
            s, c = daemon.request("GET", "/v1/cases/" + ids[lang], token="test-read")
            a = c["case"]["approvals"][0]
            ev = [e for e in c["timeline"] if e.get("type") == etype]
            check(a["status"] == status and a["decided_by"]["roles"] == "admin" and a.get("decided_at"),
                  f"the {lang} approval is {status}, with who and when")
            check(ev and ev[0]["data"].get("reason"), f"the {lang} decision's reason is on the timeline")
        s, c = daemon.request("GET", "/v1/cases/" + ids["fa"], token="test-read")
        check(any(o["status"] == "offered" for o in c["case"]["offers"]), "the approved coupon is offered")

        aid = learn_screen(daemon, drv, wait, ready, shoot, fetch)  # learn: the Recurring causes screen
        dashboard_screen(daemon, drv, wait, ready, shoot, ids)  # dashboard: the Dashboard screen
        packs_screen(daemon, drv, wait, ready, shoot)  # packs: the Packs screen
        whatif_screen(daemon, drv, wait, ready, shoot)  # whatif: the What-if screen

        # sign out: the sign-in page again, and the cookie no longer works
        drv.find_element(By.ID, "signout").click()
        wait.until(EC.presence_of_element_located((By.ID, "signin")))
        drv.get(daemon.base + "/console/#/case/" + ids["fa"])
        wait.until(EC.presence_of_element_located((By.ID, "signin")))
        check(not drv.find_elements(By.ID, "view"), "signed out, a case link shows only the sign-in form")
        check(fetch("GET", "/v1/session")[0] == 401, "signed out, there is no session")

        # a read-only operator: no buttons, and the server refuses the write anyway
        drv.find_element(By.ID, "token").send_keys("test-read")
        drv.find_element(By.CSS_SELECTOR, "#signin button").click()
        ready("/queue")
        drv.get(daemon.base + "/console/#/case/" + ids["zh"])
        ready("/case/" + ids["zh"])
        check(not drv.find_elements(By.ID, "send-note") and not drv.find_elements(By.CSS_SELECTOR, "[data-approve]"),
              "a read-only operator sees no event or approval buttons")
        csrf = drv.execute_script("return S.csrf")
        s, r = fetch("POST", f"/v1/cases/{ids['zh']}/events", {"type": "agent.note", "data": {"note": "x"}}, csrf)
        check(s == 403 and r["error"]["code"] == "forbidden", "and the server refuses a read-only operator's write")
        s, r = fetch("POST", f"/v1/cases/{ids['zh']}/events", {"type": "approval.granted", "data": {}}, csrf)
        check(s == 403, "and a read-only operator's approval")
        learn_readonly(daemon, drv, ready, fetch, aid)  # learn
        dashboard_readonly(daemon, drv, ready)  # dashboard
        packs_readonly(daemon, drv, ready, fetch)  # packs
        whatif_readonly(daemon, drv, ready, fetch)  # whatif
        language_selector(daemon, drv, ready)  # i18n
        dashboard_locales(daemon)  # dashboard
        print(f"screenshots in {SHOTS}")
    except Exception:
        if drv:
            try:
                drv.save_screenshot(os.path.join(SHOTS, "failure.png"))
            except Exception:
                pass
        daemon.log.flush()
        with open(os.path.join(daemon.dir, "daemon.log")) as f:
            sys.stderr.write(f.read()[-3000:])
        raise
    finally:
        if drv:
            drv.quit()
        code = daemon.stop()
    if code != 0:
        raise AssertionError(f"redressd exited {code}")


if __name__ == "__main__":
    main()
