--- The sentences redress.wording.compose builds an acknowledgement from, per
-- language: the eight rules of the seed documents (thank; say why; apologise;
-- promise action; ask for exactly what is missing; give the next contact).
-- A pack that wants other words writes its own templates. Thai is written
-- in a neutral business register: no ค่ะ/ครับ, the customer is คุณ{name}.
-- time_suffix: the word a language puts after a 24-hour time, which ICU
-- leaves out (redress.wording adds it).
local M = {}

local P = {
  en = {
    greet = "Dear {name},", greet_anon = "Dear customer,",
    greet_short = "Hi {name},", greet_short_anon = "Hi,",
    thank = "thank you for telling us about this.",
    why = "Your message helps us put things right, for you and for other customers.",
    apologise = "We are sorry for the trouble this has caused you.",
    empathy = "We understand how frustrating this is.",
    senior = "We take your complaint seriously, and a senior colleague will handle it personally.",
    promise = "We have opened case {case_id} and started on it right away.",
    ask = "To help us, please send us {items}.",
    ask_private = "Please send us a private message with your order number.",
    next_contact = "We will contact you again by {next_contact:date}.",
    sign = "Kind regards, {signature}",
    offer_denied = "We are still working on the best solution for your case {case_id}. A colleague will contact you by {next_contact:date}.",
    items = { order_number = "your order number", photo = "a photo of the problem", receipt = "your receipt",
      contact = "a phone number or e-mail address where we can reach you" },
    list_sep = ", ", list_and = " and ", sentence_sep = " ",
  },
  th = {
    greet = "เรียน คุณ{name}", greet_anon = "เรียน คุณลูกค้า",
    greet_short = "สวัสดีคุณ{name}", greet_short_anon = "สวัสดีคุณลูกค้า",
    thank = "ขอบคุณที่แจ้งเรื่องนี้ให้เราทราบ",
    why = "ข้อความของท่านช่วยให้เราแก้ไขปัญหาให้ท่านและลูกค้าท่านอื่น",
    apologise = "เราขออภัยในความไม่สะดวกที่เกิดขึ้นกับท่าน",
    empathy = "เราเข้าใจดีว่าเรื่องนี้สร้างความไม่สบายใจให้ท่านเพียงใด",
    senior = "เราให้ความสำคัญกับเรื่องร้องเรียนของท่าน และเจ้าหน้าที่อาวุโสจะดูแลเรื่องนี้ด้วยตนเอง",
    promise = "เราได้เปิดเรื่องหมายเลข {case_id} และเริ่มดำเนินการทันที",
    ask = "เพื่อให้เราช่วยเหลือได้เร็วขึ้น กรุณาส่ง{items}มาให้เรา",
    ask_private = "กรุณาส่งข้อความส่วนตัวพร้อมหมายเลขคำสั่งซื้อมาให้เรา",
    next_contact = "เราจะติดต่อท่านอีกครั้งภายในวันที่ {next_contact:date}",
    sign = "ด้วยความเคารพ {signature}",
    offer_denied = "เรายังคงหาแนวทางแก้ไขที่ดีที่สุดสำหรับเรื่องหมายเลข {case_id} ของท่าน เจ้าหน้าที่ของเราจะติดต่อท่านภายในวันที่ {next_contact:date}",
    items = { order_number = "หมายเลขคำสั่งซื้อ", photo = "รูปถ่ายของปัญหา", receipt = "ใบเสร็จ",
      contact = "หมายเลขโทรศัพท์หรืออีเมลที่เราติดต่อท่านได้" },
    list_sep = " ", list_and = "และ", sentence_sep = " ",
    time_suffix = " น.",
  },
  fa = {
    greet = "{name} گرامی،", greet_anon = "مشتری گرامی،",
    greet_short = "سلام {name}،", greet_short_anon = "سلام،",
    thank = "از اینکه این موضوع را با ما در میان گذاشتید سپاسگزاریم.",
    why = "پیام شما به ما کمک می‌کند مشکل را برای شما و دیگر مشتریان برطرف کنیم.",
    apologise = "از زحمتی که برایتان پیش آمد پوزش می‌خواهیم.",
    empathy = "می‌دانیم این وضعیت چقدر ناخوشایند است.",
    senior = "شکایت شما را جدی می‌گیریم و یکی از همکاران ارشد ما شخصاً به آن رسیدگی می‌کند.",
    promise = "پرونده {case_id} را باز کرده‌ایم و همین حالا رسیدگی را آغاز کرده‌ایم.",
    ask = "برای کمک به ما، لطفاً {items} را برایمان بفرستید.",
    ask_private = "لطفاً شماره سفارش خود را در پیام خصوصی برای ما بفرستید.",
    next_contact = "تا {next_contact:date} دوباره با شما تماس می‌گیریم.",
    sign = "با احترام، {signature}",
    offer_denied = "همچنان در حال یافتن بهترین راه‌حل برای پرونده {case_id} شما هستیم. یکی از همکاران ما تا {next_contact:date} با شما تماس می‌گیرد.",
    items = { order_number = "شماره سفارش", photo = "عکسی از مشکل", receipt = "رسید خرید",
      contact = "شماره تلفن یا نشانی ایمیلی که بتوانیم با شما تماس بگیریم" },
    list_sep = "، ", list_and = " و ", sentence_sep = " ",
  },
  zh = {
    greet = "尊敬的{name}：", greet_anon = "尊敬的顾客：",
    greet_short = "{name}，您好！", greet_short_anon = "您好！",
    thank = "感谢您告诉我们这件事。",
    why = "您的反馈有助于我们改进工作，为您和其他顾客解决问题。",
    apologise = "给您带来不便，我们深表歉意。",
    empathy = "我们理解这件事让您非常困扰。",
    senior = "我们高度重视您的投诉，将由一位资深同事亲自跟进。",
    promise = "我们已建立投诉单 {case_id}，并立即开始处理。",
    ask = "为便于处理，请将{items}发送给我们。",
    ask_private = "请通过私信将您的订单号发送给我们。",
    next_contact = "我们将于{next_contact:date}前再次与您联系。",
    sign = "此致，{signature}",
    offer_denied = "我们仍在为您的投诉单 {case_id} 寻找最合适的解决方案。我们的同事将于{next_contact:date}前与您联系。",
    items = { order_number = "订单号", photo = "问题照片", receipt = "购物凭证", contact = "可联系到您的电话或邮箱" },
    list_sep = "、", list_and = "和", sentence_sep = "",
  },
  ru = {
    greet = "Здравствуйте, {name}!", greet_anon = "Здравствуйте!",
    greet_short = "{name}, здравствуйте!", greet_short_anon = "Здравствуйте!",
    thank = "Спасибо, что сообщили нам об этом.",
    why = "Ваше сообщение помогает нам исправить ситуацию для вас и других клиентов.",
    apologise = "Приносим извинения за доставленные неудобства.",
    empathy = "Мы понимаем, как это неприятно.",
    senior = "Мы серьёзно относимся к вашей жалобе: ею лично займётся старший специалист.",
    promise = "Мы открыли обращение {case_id} и сразу приступили к работе.",
    ask = "Чтобы мы могли помочь быстрее, пришлите, пожалуйста, {items}.",
    ask_private = "Пожалуйста, пришлите нам номер заказа в личном сообщении.",
    next_contact = "Не позднее {next_contact:date} мы свяжемся с вами снова.",
    sign = "С уважением, {signature}",
    offer_denied = "Мы продолжаем искать лучшее решение по вашему обращению {case_id}. Не позднее {next_contact:date} с вами свяжется наш специалист.",
    items = { order_number = "номер заказа", photo = "фотографию проблемы", receipt = "чек",
      contact = "телефон или e-mail для связи" },
    list_sep = ", ", list_and = " и ", sentence_sep = " ",
  },
}

--- The languages the composer speaks.
M.languages = { "en", "th", "fa", "zh", "ru" }

-- The language of a tag, made once per tag (tags are few).
local base_of = require("redress.memo").of(function(tag) return tag:match("^(%a+)") or "" end)

--- phrases.base(tag) → the language subtag of a BCP 47 tag ("fa-IR" → "fa"),
-- "" when it has none.
function M.base(tag)
  return base_of(tag or "")
end

--- phrases.lang(tag) → the table for a BCP 47 tag ("fa-IR" → fa), English
-- when the language has none.
function M.lang(tag)
  local base = M.base(tag or "en")
  return P[base ~= "" and base or "en"] or P.en
end

return M
