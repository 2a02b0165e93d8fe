return {
  customer = "valued customer",
  ack = "Dear {name}, thank you for letting us know: your message helps us put things right. We are sorry for the trouble this has caused you. We have opened case {case_id} and started on it right away. If you have a photo, a receipt or an order number, please reply with it. We will contact you again within 2 business days.",
  offer_coupon = "As an apology, we are giving you a coupon worth {amount}.",
  offer_free_delivery = "Your next delivery is free of charge.",
  offer_refund = "We will refund {amount} to you.",
  offer_replacement = "We will send you a replacement at no cost.",
  offer_repair = "We will repair the item at no cost.",
  offer_gift = "Please accept a small gift from us with our apologies.",
  reply_ack = "Thank you for your reply, {name}. We have added it to case {case_id} and will get back to you soon.",
  unjustified = "Dear {name}, thank you for your patience. We have looked carefully into case {case_id} and this time we could not find a fault on our side. We are still glad to help: reply to this message and we will find a way together.",
  follow_up = "Dear {name}, case {case_id} is resolved. Are you satisfied with how we handled it? A short reply helps us improve.",
  thanks_feedback = "Thank you for your feedback, {name}.",
}
