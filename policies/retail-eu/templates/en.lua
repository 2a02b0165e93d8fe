return {
  customer = "valued customer",

  -- Withdrawal
  withdrawal_refund = "You may withdraw from this purchase without giving a reason, and we have registered your withdrawal. We will refund {amount:money}, including the standard delivery charge, to your original payment method by {until:date} at the latest.",
  withdrawal_refund_express = "You may withdraw from this purchase without giving a reason, and we have registered your withdrawal. We will refund {amount:money} to your original payment method by {until:date} at the latest. This covers the price and the cost of standard delivery; the extra you paid for express delivery is not refunded, as EU law allows.",
  return_label = "A prepaid return label is attached: please send the goods back within 14 days.",
  return_own_cost = "Please send the goods back to us within 14 days. As stated in our terms, the cost of the return postage is yours.",
  withdrawal_excluded = "We have looked carefully at your request. Unfortunately, the right of withdrawal does not apply to {excluded:select|made_to_order=goods made to your specifications|perishable=goods that spoil quickly|digital_opened=sealed software, music or films once unsealed|newspaper=newspapers and magazines|other=this kind of goods}, so we cannot take them back on that basis.",
  withdrawal_expired = "We have looked carefully at your request. The 14-day withdrawal period for this order ended on {until:date}, so we can no longer take the goods back under the right of withdrawal.",
  withdrawal_not_applicable = "The statutory right of withdrawal covers goods bought at a distance, online or by phone, and does not apply to this purchase. A colleague will look at your request personally and find the best solution with you.",
  need_delivery_date = "To check which rights apply, please tell us the date on which you received the goods.",
  person_review = "A colleague will look at your request personally and contact you shortly to find the best solution with you.",
  amount_unknown = "To arrange your refund, please send us your invoice or tell us the amount you paid.",

  -- Goodwill
  goodwill_coupon = "As a gesture of goodwill, we would still like to offer you a coupon worth {amount:money}.",
  goodwill_free_delivery = "As a gesture of goodwill, your next delivery is free of charge.",
  goodwill_pending = "We would like to make this up to you with a gesture of goodwill; a manager is confirming it, and we will write to you again as soon as it is approved.",

  -- Legal guarantee
  guarantee_expired = "We have looked carefully at your request. The two-year legal guarantee for this item ended on {until:date}, so the statutory remedies no longer apply.",
  guarantee_inspection = "Your item was delivered more than {months:plural|one=# month|other=# months} ago, so we first need to inspect it. Please send it to us with the prepaid label we will email you; if the inspection confirms the defect, we will repair or replace it free of charge.",
  guarantee_remedy = "Under the legal guarantee, we will {kind:select|repair=repair the item|other=replace the item with a new one} free of charge, including all transport costs.",
  guarantee_replacement_instead = "Repairing the item would cost out of proportion to its value, so under the legal guarantee we will replace it with a new one free of charge instead.",
  guarantee_repair_instead = "This item can no longer be supplied, so a replacement is not possible; under the legal guarantee we will repair it free of charge instead, including all transport costs.",
  guarantee_refund_later = "Under the legal guarantee, a defect is first put right by repair or replacement. If that does not work, you are entitled to a price reduction or a full refund.",
  guarantee_cure_failed = "We are sorry that the defect has not been put right, or that the repair is taking far too long.",
  guarantee_no_cure = "Unfortunately, neither a repair nor a replacement is possible for this item.",
  guarantee_refund = "You are therefore entitled to end the purchase: we will refund the full price of {amount:money}.",
  guarantee_price_reduction = "You are therefore entitled to a price reduction: we will refund {amount:money} and you keep the item.",

  -- Late delivery
  late_on_time = "According to our records, your order arrived within the delivery time we promised. If something else went wrong, just reply to this message and we will look into it.",
  late_coupon = "We are sorry your order arrived late. As an apology, here is a coupon worth {amount:money} for your next order.",
  late_coupon_days = "We are sorry your order arrived {days:plural|one=# day|other=# days} late. As an apology, here is a coupon worth {amount:money} for your next order.",
  late_free_delivery = "We are sorry your order arrived late. As an apology, your next delivery is free of charge.",

  -- Missing parcel
  missing_trace = "The carrier reports your parcel as delivered. We have asked the carrier to trace it and will tell you the outcome by {due:date}. Meanwhile, it may help to check with your neighbours or at your building's reception.",
  missing_resend = "We are very sorry your parcel did not arrive. We are sending your order again, free of charge.",
  missing_refund = "We are very sorry your parcel did not arrive. We will refund {amount:money} in full.",
  refund_pending = "We are very sorry your parcel did not arrive. We are arranging a full refund of {amount:money}; a manager is confirming it, and we will write to you as soon as it is on its way.",

  -- Wrong item, rude staff
  wrong_item_return = "We are sorry you received the wrong item. We are sending you the right one free of charge, with a prepaid label for returning the wrong one.",
  wrong_item_keep = "We are sorry you received the wrong item. We are sending you the right one free of charge, and there is no need to return the other one: please keep it.",
  rude_staff = "We sincerely apologise for the way you were treated. This is not how we want anyone to be spoken to, and we have taken it up with the team. Please accept a small gift worth {amount:money} from us.",

  -- Later in the case
  reply_ack = "Thank you for your reply, {name}. We have added it to case {case_id} and will get back to you shortly.",
  unjustified = "Dear {name}, thank you for your patience. We have looked carefully into case {case_id} and this time we could not find a fault on our side. We are still glad to help: reply to this message and we will find a way together.",
  offer_accepted = "Thank you, {name}. We are carrying out what we agreed for case {case_id} and will let you know when it is done.",
  offer_declined = "We are sorry our proposal does not suit you, {name}. An experienced colleague will contact you shortly to find a better solution together.",
  approval_granted = "Good news, {name}: {kind:select|refund=your refund|partial_refund=your partial refund|coupon=your coupon|gift=your gift|other=our offer} of {amount:money} has been approved.",
  approval_denied = "Dear {name}, a senior colleague is now handling case {case_id} personally and will contact you shortly about the best solution.",
  reminder_offer = "Dear {name}, we wrote to you {days:plural|one=# day|other=# days} ago with a proposal for case {case_id}. Please let us know whether it suits you, so that we can carry it out.",
  reminder_info = "Dear {name}, we asked you {days:plural|one=# day|other=# days} ago for some information about case {case_id}. As soon as we have it, we can help you further.",
  follow_up = "Dear {name}, case {case_id} is resolved. Are you satisfied with how we handled it? A short reply helps us improve.",
  thanks_feedback = "Thank you for your feedback, {name}. We are glad we could help.",
  feedback_low = "Thank you for your honest feedback, {name}, and we are sorry we did not get it right. A senior colleague will contact you personally.",
  sla_late = "Dear {name}, case {case_id} is taking longer than we promised, and we apologise. A senior colleague has taken it over and will contact you shortly.",
}
