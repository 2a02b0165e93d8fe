return {
  customer = "尊敬的顾客",
  ack = "{name}，您好！感谢您告诉我们这件事，您的反馈帮助我们改正错误。给您带来不便，我们深表歉意。我们已建立投诉单 {case_id}，并立即开始处理。如您有照片、收据或订单号，请回复提供给我们。我们将在 2 个工作日内再次与您联系。",
  offer_coupon = "为表歉意，我们赠送您一张价值 {amount} 的优惠券。",
  offer_free_delivery = "您的下一次配送免运费。",
  offer_refund = "我们将向您退款 {amount}。",
  offer_replacement = "我们将免费为您更换新品。",
  offer_repair = "我们将免费为您维修。",
  offer_gift = "请接受我们的一份小礼物，再次致歉。",
  reply_ack = "{name}，感谢您的回复。我们已将其加入投诉单 {case_id}，并会尽快与您联系。",
  unjustified = "{name}，您好！感谢您的耐心等待。我们仔细核查了投诉单 {case_id}，这次没有发现我们方面的过错。但我们仍然乐意帮助您：请回复此消息，我们一起想办法解决。",
  follow_up = "{name}，您好！投诉单 {case_id} 已处理完毕。您对我们的处理满意吗？您简短的回复将帮助我们改进。",
  thanks_feedback = "{name}，感谢您的反馈。",
}
