// The console's own words in English, Thai, Persian, Chinese and Russian (the
// languages every built-in pack speaks): the menu, sign-in and sign-out, the
// language selector, each screen's title and note, the queue's filters, the
// case page's sections and buttons, the approval buttons, the What-if screen.
// What the API gives (a complaint, a pack's wording, an error's message) keeps
// its own language. The language is the one chosen in the selector (kept in
// this browser's localStorage), else the first of the browser's languages the
// console speaks, else English; Persian turns the page right to left.
// Loaded before app.js on both pages; no dependency, no build step.
"use strict";

const I18N = (() => {
  const LANGS = [["en", "English"], ["th", "ไทย"], ["fa", "فارسی"], ["zh", "中文"], ["ru", "Русский"]];
  const RTL_UI = new Set(["fa"]);
  const KEY = "redress.lang";
  // key: [en, th, fa, zh, ru]
  const W = {
    "nav.dashboard": ["Dashboard", "แดชบอร์ด", "داشبورد", "仪表板", "Сводка"],
    "nav.queue": ["Work queue", "คิวงาน", "صف کار", "工作队列", "Очередь"],
    "nav.approvals": ["Approvals", "การอนุมัติ", "تأییدها", "审批", "Согласования"],
    "nav.causes": ["Causes", "สาเหตุ", "علت‌ها", "原因", "Причины"],
    "nav.causes.title": ["Recurring causes", "สาเหตุที่เกิดซ้ำ", "علت‌های تکراری", "重复出现的原因", "Повторяющиеся причины"],
    "nav.packs": ["Packs", "แพ็กนโยบาย", "بسته‌ها", "策略包", "Пакеты"],
    "nav.whatif": ["What-if", "จำลองผล", "اگر…", "假设分析", "Что если"],
    "signout": ["Sign out", "ออกจากระบบ", "خروج", "退出", "Выйти"],
    "language": ["Language", "ภาษา", "زبان", "语言", "Язык"],
    "signin.page": ["redress — sign in", "redress — เข้าสู่ระบบ", "redress — ورود", "redress — 登录", "redress — вход"],
    "signin.intro": [
      "Operator console. Sign in with a token from the daemon's configuration (tokens).",
      "คอนโซลสำหรับผู้ดูแล เข้าสู่ระบบด้วยโทเค็นจากการตั้งค่าของเดมอน (tokens)",
      "کنسول اپراتور. با توکنی از پیکربندی سرویس (tokens) وارد شوید.",
      "操作员控制台。请使用守护进程配置（tokens）中的令牌登录。",
      "Консоль оператора. Войдите с токеном из конфигурации демона (tokens).",
    ],
    "signin.token": ["Token", "โทเค็น", "توکن", "令牌", "Токен"],
    "signin.submit": ["Sign in", "เข้าสู่ระบบ", "ورود", "登录", "Войти"],
    "signin.unknown": ["This token is not known.", "ไม่รู้จักโทเค็นนี้", "این توکن شناخته نشد.", "此令牌无效。", "Этот токен неизвестен."],
    "queue.title": ["Work queue", "คิวงาน", "صف کار", "工作队列", "Очередь"],
    "queue.note": ["Open cases, nearest deadline first.", "เรื่องที่ยังเปิดอยู่ กำหนดเวลาใกล้สุดก่อน",
      "پرونده‌های باز، نزدیک‌ترین مهلت اول.", "未结案件，最近的期限排在最前。", "Открытые обращения, ближайший срок первым."],
    "approvals.title": ["Approvals", "การอนุมัติ", "تأییدها", "审批", "Согласования"],
    "approvals.note": ["Offers held for approval by a budget cap, the longest waiting first.",
      "ข้อเสนอที่รอการอนุมัติเพราะเกินวงเงิน รอนานที่สุดก่อน",
      "پیشنهادهایی که به‌خاطر سقف بودجه منتظر تأییدند، قدیمی‌ترین اول.",
      "因预算上限而等待审批的补偿，等待最久的排在最前。",
      "Предложения, ожидающие согласования из-за лимита бюджета; дольше всех ждущие первыми."],
    "queue.filters": ["Filters", "ตัวกรอง", "فیلترها", "筛选", "Фильтры"],
    "queue.filter": ["Filter", "กรอง", "اعمال فیلتر", "筛选", "Применить"],
    "case.customer": ["Customer", "ลูกค้า", "مشتری", "客户", "Клиент"],
    "case.complaint": ["Complaint", "เรื่องร้องเรียน", "شکایت", "投诉", "Жалоба"],
    "case.deadlines": ["Deadlines", "กำหนดเวลา", "مهلت‌ها", "期限", "Сроки"],
    "case.offers": ["Offers and approvals", "ข้อเสนอและการอนุมัติ", "پیشنهادها و تأییدها", "补偿与审批", "Предложения и согласования"],
    "case.act": ["Act on the case", "ดำเนินการกับเรื่องนี้", "اقدام روی پرونده", "处理此案件", "Действия по обращению"],
    "case.timeline": ["Timeline", "ลำดับเหตุการณ์", "گاه‌شمار", "时间线", "Хронология"],
    "case.earlier": ["The customer's earlier cases", "เรื่องก่อนหน้าของลูกค้า", "پرونده‌های پیشین مشتری", "该客户之前的案件", "Прежние обращения клиента"],
    "case.note": ["Note", "บันทึก", "یادداشت", "备注", "Заметка"],
    "case.add_note": ["Add note", "เพิ่มบันทึก", "افزودن یادداشت", "添加备注", "Добавить заметку"],
    "case.reply": ["The customer's reply", "คำตอบของลูกค้า", "پاسخ مشتری", "客户的回复", "Ответ клиента"],
    "case.reply_received": ["Reply received", "ได้รับคำตอบแล้ว", "پاسخ دریافت شد", "已收到回复", "Ответ получен"],
    "case.findings": ["Findings", "ผลการตรวจสอบ", "یافته‌ها", "调查结果", "Выводы"],
    "case.investigation_concluded": ["Investigation concluded", "ตรวจสอบเสร็จแล้ว", "بررسی به پایان رسید", "调查完成", "Проверка завершена"],
    "case.resolution": ["Resolution", "การแก้ไข", "راه‌حل", "解决方案", "Решение"],
    "case.resolve": ["Resolve", "ปิดเรื่องว่าแก้ไขแล้ว", "حل‌شده", "标记为已解决", "Решено"],
    "approvals.reason": ["Reason", "เหตุผล", "دلیل", "理由", "Причина"],
    "approvals.approve": ["Approve", "อนุมัติ", "تأیید", "批准", "Одобрить"],
    "approvals.deny": ["Deny", "ปฏิเสธ", "رد", "拒绝", "Отклонить"],
    "dashboard.title": ["Dashboard", "แดชบอร์ด", "داشبورد", "仪表板", "Сводка"],
    "causes.title": ["Recurring causes", "สาเหตุที่เกิดซ้ำ", "علت‌های تکراری", "重复出现的原因", "Повторяющиеся причины"],
    "packs.title": ["Packs", "แพ็กนโยบาย", "بسته‌ها", "策略包", "Пакеты"],
    "whatif.title": ["What-if", "จำลองผล", "اگر…", "假设分析", "Что если"],
    "whatif.admin_only": ["Only an admin runs what-if replays.", "เฉพาะผู้ดูแลระบบเท่านั้นที่จำลองผลได้",
      "فقط مدیر می‌تواند بازپخش «اگر…» را اجرا کند.", "只有管理员可以运行假设分析。", "Запускать «что если» может только администратор."],
    "whatif.run_title": ["Run a replay", "จำลองผลใหม่", "اجرای بازپخش", "运行回放", "Запустить повтор"],
    "whatif.intro": [
      "Re-runs the stored cases of the candidate's pack under it, on a thread of its own (complaints keep being answered), and shows what would change. Candidates are the folders of",
      "นำเรื่องที่บันทึกไว้ของแพ็กนั้นมาตัดสินใหม่ด้วยแพ็กที่เลือก บนเธรดของตัวเอง (ยังตอบเรื่องร้องเรียนตามปกติ) แล้วแสดงสิ่งที่จะเปลี่ยนไป แพ็กที่เลือกได้คือโฟลเดอร์ใน",
      "پرونده‌های ذخیره‌شدهٔ بستهٔ نامزد را در رشتهٔ جداگانه با آن دوباره اجرا می‌کند (پاسخ به شکایت‌ها ادامه دارد) و نشان می‌دهد چه تغییر می‌کرد. نامزدها پوشه‌های این مسیرند:",
      "在独立线程上用候选策略包重新运行该包已存储的案件（投诉照常受理），并显示会有哪些变化。候选包是以下目录中的文件夹：",
      "Заново решает сохранённые обращения пакета кандидатом в отдельном потоке (жалобы по-прежнему принимаются) и показывает, что изменилось бы. Кандидаты — папки в",
    ],
    "whatif.candidate": ["Candidate pack", "แพ็กที่จะลอง", "بستهٔ نامزد", "候选策略包", "Пакет-кандидат"],
    "whatif.since": ["Opened from", "เปิดตั้งแต่", "باز شده از", "开立起始", "Открыты с"],
    "whatif.until": ["until", "ถึง", "تا", "截至", "по"],
    "whatif.max": ["At most (cases)", "สูงสุด (เรื่อง)", "حداکثر (پرونده)", "最多（案件）", "Не более (обращений)"],
    "whatif.run": ["Run", "เริ่ม", "اجرا", "运行", "Запустить"],
    "whatif.stop": ["Stop", "หยุด", "توقف", "停止", "Остановить"],
    "whatif.before": ["Before", "ก่อน", "پیش", "之前", "До"],
    "whatif.after": ["After", "หลัง", "پس", "之后", "После"],
    "whatif.difference": ["Difference", "ผลต่าง", "تفاوت", "差额", "Разница"],
    "whatif.compensation": ["Compensation", "ค่าชดเชย", "جبران خسارت", "补偿", "Компенсация"],
    "whatif.escalations": ["Escalations", "การส่งต่อ", "ارجاع‌ها", "升级", "Эскалации"],
    "whatif.changes": ["Cases that would change", "เรื่องที่จะเปลี่ยน", "پرونده‌هایی که تغییر می‌کنند", "会改变的案件", "Обращения, которые изменятся"],
    "whatif.earlier": ["Earlier replays (until a restart)", "การจำลองก่อนหน้า (จนกว่าจะรีสตาร์ต)",
      "بازپخش‌های پیشین (تا راه‌اندازی دوباره)", "之前的回放（重启前）", "Прежние повторы (до перезапуска)"],
  };

  function choose() {
    const known = new Set(LANGS.map(([c]) => c));
    let saved = null;
    try { saved = localStorage.getItem(KEY); } catch { /* storage off: the browser's languages decide */ }
    if (saved && known.has(saved)) return saved;
    for (const l of navigator.languages || [navigator.language || "en"]) {
      const c = String(l).toLowerCase().split("-")[0];
      if (known.has(c)) return c;
    }
    return "en";
  }
  const lang = choose(), col = LANGS.findIndex(([c]) => c === lang);

  /** The console's word for key in the language chosen (English when a key has none). */
  function t(key) { const w = W[key]; return w ? (w[col] || w[0]) : key; }

  // Every element with data-i18n="key" gets its text; data-i18n-title, its title.
  function apply(root) {
    for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  }

  // The selector: the languages by their own names; a choice is kept and the page drawn again.
  function selector() {
    const sel = document.createElement("select");
    sel.id = "lang";
    sel.setAttribute("aria-label", t("language"));
    for (const [c, name] of LANGS) {
      const o = document.createElement("option");
      o.value = c; o.lang = c; o.textContent = name; o.selected = c === lang;
      sel.append(o);
    }
    sel.addEventListener("change", () => {
      try { localStorage.setItem(KEY, sel.value); } catch { /* kept for this page only */ }
      location.reload();
    });
    return sel;
  }

  document.documentElement.lang = lang;
  document.documentElement.dir = RTL_UI.has(lang) ? "rtl" : "ltr";
  if (document.title && W[document.body.dataset.title]) document.title = t(document.body.dataset.title);
  apply(document);
  const slot = document.getElementById("lang-slot");
  if (slot) slot.replaceWith(selector());
  return { t, lang };
})();
const t = I18N.t;
