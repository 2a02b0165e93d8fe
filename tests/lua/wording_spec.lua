-- redress.wording: one acknowledgement in five languages, byte for byte
-- (isolates, native digits, Buddhist and Solar Hijri dates), and the
-- placeholder types.
local wording = require "redress.wording"
local money = require "redress.money"

local FSI, PDI = "\u{2068}", "\u{2069}"

describe("the eight-rule acknowledgement", function()
  local case = { id = "C0000000042", channel = "email", customer_state = "frustrated",
    customer = { id = "c", name = "Anna" }, order = { id = "A-1001" } }
  local spec = { ask = { "photo", "receipt" }, next_contact = 1795651200000 } -- 26 Nov 2026
  local expected = {
    en = "Dear Anna, thank you for telling us about this. Your message helps us put things right, for you and for other customers. We are sorry for the trouble this has caused you. We understand how frustrating this is. We have opened case C0000000042 and started on it right away. To help us, please send us a photo of the problem and your receipt. We will contact you again by November 26, 2026.",
    th = "เรียน คุณAnna ขอบคุณที่แจ้งเรื่องนี้ให้เราทราบ ข้อความของท่านช่วยให้เราแก้ไขปัญหาให้ท่านและลูกค้าท่านอื่น เราขออภัยในความไม่สะดวกที่เกิดขึ้นกับท่าน เราเข้าใจดีว่าเรื่องนี้สร้างความไม่สบายใจให้ท่านเพียงใด เราได้เปิดเรื่องหมายเลข C0000000042 และเริ่มดำเนินการทันที เพื่อให้เราช่วยเหลือได้เร็วขึ้น กรุณาส่งรูปถ่ายของปัญหาและใบเสร็จมาให้เรา เราจะติดต่อท่านอีกครั้งภายในวันที่ 26 พฤศจิกายน 2569",
    fa = FSI .. "Anna" .. PDI .. " گرامی، از اینکه این موضوع را با ما در میان گذاشتید سپاسگزاریم. پیام شما به ما کمک می‌کند مشکل را برای شما و دیگر مشتریان برطرف کنیم. از زحمتی که برایتان پیش آمد پوزش می‌خواهیم. می‌دانیم این وضعیت چقدر ناخوشایند است. پرونده " .. FSI .. "C0000000042" .. PDI .. " را باز کرده‌ایم و همین حالا رسیدگی را آغاز کرده‌ایم. برای کمک به ما، لطفاً عکسی از مشکل و رسید خرید را برایمان بفرستید. تا " .. FSI .. "۵ آذر ۱۴۰۵" .. PDI .. " دوباره با شما تماس می‌گیریم.",
    zh = "尊敬的Anna：感谢您告诉我们这件事。您的反馈有助于我们改进工作，为您和其他顾客解决问题。给您带来不便，我们深表歉意。我们理解这件事让您非常困扰。我们已建立投诉单 C0000000042，并立即开始处理。为便于处理，请将问题照片和购物凭证发送给我们。我们将于2026年11月26日前再次与您联系。",
    ru = "Здравствуйте, Anna! Спасибо, что сообщили нам об этом. Ваше сообщение помогает нам исправить ситуацию для вас и других клиентов. Приносим извинения за доставленные неудобства. Мы понимаем, как это неприятно. Мы открыли обращение C0000000042 и сразу приступили к работе. Чтобы мы могли помочь быстрее, пришлите, пожалуйста, фотографию проблемы и чек. Не позднее 26 ноября 2026\u{202f}г. мы свяжемся с вами снова.",
  }
  for _, lang in ipairs { "en", "th", "fa", "zh", "ru" } do
    it("in " .. lang .. ", byte for byte", function()
      assert.equal(expected[lang], wording.compose(case, spec, { lang = lang, zone = "Asia/Bangkok" }))
    end)
  end

  it("is short on social media and asks privately", function()
    local social = { id = "C1", channel = "social", customer = { id = "c" } }
    assert.equal("Hi, thank you for telling us about this. We are sorry for the trouble this has caused you. " ..
      "We have opened case C1 and started on it right away. Please send us a private message with your order number.",
      wording.compose(social, {}, { lang = "en" }))
  end)

  it("writes Thai in one business register: คุณ before the name, no ค่ะ/ครับ", function()
    local social = { id = "C1", channel = "social", customer = { id = "c", name = "สมชาย" } }
    local t = wording.compose(social, {}, { lang = "th" })
    assert.equal("สวัสดีคุณสมชาย ขอบคุณ", t:sub(1, #"สวัสดีคุณสมชาย ขอบคุณ"))
    social.customer.name = nil
    assert.equal("สวัสดีคุณลูกค้า", wording.compose(social, {}, { lang = "th" }):match("^%S+"))
    for _, channel in ipairs { "social", "email" } do
      local text = wording.compose({ id = "C1", channel = channel, customer = { id = "c" } }, {}, { lang = "th" })
      assert.is_nil(text:find("ค่ะ", 1, true))
      assert.is_nil(text:find("ครับ", 1, true))
    end
  end)

  it("reads each input once: a caller's metamethods cannot change another composition", function()
    local case = { id = "C7", channel = "email", customer = { id = "c", name = "Ann" }, order = { id = "o1" } }
    local plain = wording.compose(case, {}, { lang = "en" })
    -- a spec whose next_contact is nil when first read and a time after
    local reads = 0
    local spec = setmetatable({}, { __index = function(_, k)
      if k == "next_contact" then reads = reads + 1; return reads == 2 and 0 or nil end
    end })
    pcall(wording.compose, case, spec, { lang = "en" })
    -- a list whose length changes between reads
    local n = 0
    local ask = setmetatable({}, { __len = function() n = n + 1; return n == 3 and 1 or 0 end })
    pcall(wording.compose, { id = "C8", channel = "social", order = { id = "o" } }, { ask = ask }, { lang = "en" })
    assert.equal(plain, wording.compose(case, {}, { lang = "en" }))
    assert.not_matches("order number", wording.compose({ id = "C9", channel = "social", order = { id = "o" } }, {},
      { lang = "en" }))
    assert.equal(plain, wording.compose(case, {}, {})) -- no language: English
    -- a list that names one thing when read for the kept sentence's key and
    -- another when read for the sentence
    local flips = 0
    local fickle = setmetatable({}, { __len = function() return 1 end, __index = function(_, i)
      if i ~= 1 then return nil end
      flips = flips + 1
      return flips % 2 == 1 and "photo" or "receipt"
    end })
    local asked = wording.compose({ id = "C10", channel = "email", order = { id = "o" } }, { ask = fickle }, { lang = "en" })
    local photo = wording.compose({ id = "C10", channel = "email", order = { id = "o" } }, { ask = { "photo" } }, { lang = "en" })
    assert.matches("photo of the problem", asked)
    assert.equal(asked, photo)
    assert.matches("photo of the problem", wording.compose({ id = "C11", channel = "email", order = { id = "o" } },
      { ask = { "photo" } }, { lang = "en" }))
    -- a name that is two names joined is still unknown after the two were asked for
    local c12 = { id = "C12", channel = "email", order = { id = "o" } }
    assert.matches("photo of the problem", wording.compose(c12, { ask = { "order_number", "photo" } }, { lang = "en" }))
    assert.has_error(function() wording.compose(c12, { ask = { "order_number\0photo" } }, { lang = "en" }) end)
  end)

  it("meets an aggressive customer calmly, with a senior colleague", function()
    local t = wording.compose({ id = "C1", channel = "phone", customer_state = "aggressive", customer = { id = "c" },
      order = { id = "X" } }, {}, { lang = "en" })
    assert.matches("a senior colleague will handle it personally", t)
    assert.not_matches("frustrating", t)
  end)
end)

describe("wording.render", function()
  local eur = money.new(4999, "EUR")
  local cases = {
    { "en", "{amount:money}", { amount = eur }, "€49.99" },
    { "ru", "{amount:money}", { amount = eur }, "49,99\u{a0}€" },
    { "fa", "{amount:money}", { amount = eur }, FSI .. "\u{200e}€۴۹٫۹۹" .. PDI },
    { "th", "{d:date}", { d = 1795651200000 }, "26 พฤศจิกายน 2569" },
    { "fa", "{n:number}", { n = 12345 }, FSI .. "۱۲٬۳۴۵" .. PDI },
    { "ru", "{n:plural|one=# день|few=# дня|many=# дней|other=# дня}", { n = 1 }, "1 день" },
    { "ru", "{n:plural|one=# день|few=# дня|many=# дней|other=# дня}", { n = 3 }, "3 дня" },
    { "ru", "{n:plural|one=# день|few=# дня|many=# дней|other=# дня}", { n = 11 }, "11 дней" },
    { "en", "{n:plural|one=# day|other=# days}", { n = 1 }, "1 day" },
    { "en", "{s:select|calm=Thanks.|other=We hear you.}", { s = "aggressive" }, "We hear you." },
    { "en", "{{literal}} {x}", { x = "y" }, "{literal} y" },
    { "en", "{d:date|yMMMEd}", { d = 1795651200000 }, "Thu, Nov 26, 2026" },
    { "zh", "{d:datetime}", { d = "2026-11-26T09:30:00Z" }, "2026年11月26日 16:30" },
    -- a Thai 24-hour time ends in "น." (ICU leaves it out); a 12-hour one does not
    { "th", "{d:datetime}", { d = "2026-11-26T09:30:00Z" }, "26 พฤศจิกายน 2569 เวลา 16:30 น." },
    { "th", "{d:time}", { d = "2026-11-26T09:30:00Z" }, "16:30 น." },
    { "th", "{d:time|hmm}", { d = "2026-11-26T09:30:00Z" }, "4:30 หลังเที่ยง" },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " " .. c[2], function()
      assert.equal(c[4], wording.render(c[2], c[3], { lang = c[1], zone = "Asia/Bangkok" }))
    end)
  end

  local errors = {
    { "{x", "a '{' without its '}'" }, { "x}", "a '}' without its '{'" },
    { "{x:bogus}", "unknown type 'bogus'" }, { "{n:plural|one=#}", "needs an other= branch" },
    { "{n:number|abc}", "only dates take an argument" },
    -- found by the fuzzer: used to fail only at render time
    { "{d:date|yMMME^^^^d}", "a date skeleton is up to 24 ICU pattern letters" },
    { "{d:date|" .. string.rep("y", 90) .. "}", "a date skeleton is up to 24 ICU pattern letters" },
    { "{amount:money}y{amount:date}", "{amount} is used as money and as date" },
  }
  for _, e in ipairs(errors) do
    it("refuses " .. e[1], function()
      local parts, err = wording.parse(e[1])
      assert.is_nil(parts)
      assert.matches(e[2], err, 1, true)
    end)
  end

  it("renders templates of any number of parts", function()
    for _, n in ipairs { 1, 3, 4096, 5000 } do
      local text = string.rep("{a}-", n)
      assert.equal(string.rep("x-", n), wording.render(text, { a = "x" }, { lang = "en" }))
    end
  end)

  it("names a missing value", function()
    assert.has_error(function() wording.render("{who}", {}, { lang = "en" }) end,
      "uses {who} but no value was given for it")
  end)
end)

describe("wording.parse", function()
  it("refuses one placeholder used as two types, whatever lies between", function()
    local wording = require "redress.wording"
    assert.is_truthy(wording.parse("{a} {a:date} {a} {a:date}"))
    local parts, err = wording.parse("{a:date} {b} {a} {a:money}")
    assert.is_nil(parts)
    assert.are.equal("{a} is used as date and as money; one value cannot be both", err)
  end)

  it("reads a template of many placeholders in linear time", function()
    local wording = require "redress.wording"
    local parts = assert(wording.parse(string.rep("{v} ", 20000)))
    assert.are.equal(40000, #parts)
  end)
end)
