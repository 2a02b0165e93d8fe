return {
  customer = "顾客",

  -- 撤销购买
  withdrawal_refund = "您可以无需说明理由撤销本次购买，我们已为您登记撤销申请。我们将最迟于{until:date}前，将{amount:money}（含标准运费）原路退回您的支付账户。",
  withdrawal_refund_express = "您可以无需说明理由撤销本次购买，我们已为您登记撤销申请。我们将最迟于{until:date}前，将{amount:money}原路退回您的支付账户。该金额包括商品价款和标准运费；根据欧盟法律的规定，您为加急配送额外支付的费用不予退还。",
  return_label = "随信附上已预付邮费的退货面单，请在14天内将商品寄回。",
  return_own_cost = "请在14天内将商品寄回给我们。根据我们的销售条款，退货运费由您承担。",
  withdrawal_excluded = "我们认真审核了您的申请。很遗憾，撤销权不适用于{excluded:select|made_to_order=按您的要求定制的商品|perishable=易腐商品|digital_opened=已拆封的密封软件、音乐或影片|newspaper=报纸和杂志|other=此类商品}，因此我们无法据此为您办理退货。",
  withdrawal_expired = "我们认真审核了您的申请。本订单的14天撤销期已于{until:date}结束，因此我们无法再依据撤销权为您办理退货。",
  withdrawal_not_applicable = "法定撤销权适用于通过网络或电话等远程方式购买的商品，不适用于本次购买。我们的同事会亲自处理您的申请，与您一起寻找最佳解决方案。",
  need_delivery_date = "为了确认您享有哪些权利，请告诉我们您收到商品的日期。",
  person_review = "我们的同事会亲自处理您的申请，并将很快与您联系，和您一起寻找最佳解决方案。",
  amount_unknown = "为办理退款，请将发票发给我们，或告诉我们您实际支付的金额。",

  -- 善意补偿
  goodwill_coupon = "尽管如此，为表诚意，我们仍愿意赠送您一张价值{amount:money}的优惠券。",
  goodwill_free_delivery = "尽管如此，为表诚意，您的下一次配送免运费。",
  goodwill_pending = "为表诚意，我们希望对您有所补偿；经理正在审批，批准后我们会立即再次与您联系。",

  -- 法定保修
  guarantee_expired = "我们认真审核了您的申请。该商品为期两年的法定保修已于{until:date}到期，因此法定补救措施已不再适用。",
  guarantee_inspection = "您的商品交付至今已超过{months:plural|other=#个月}，因此我们需要先对商品进行检测。请使用我们通过电子邮件发送给您的预付邮费面单将商品寄回；如检测确认存在缺陷，我们将免费为您维修或更换。",
  guarantee_remedy = "根据法定保修，我们将免费为您{kind:select|repair=维修该商品|other=更换一件全新商品}，所有运输费用均由我们承担。",
  guarantee_replacement_instead = "维修该商品的费用与其价值相比明显过高，因此根据法定保修，我们将改为免费为您更换一件全新商品。",
  guarantee_repair_instead = "该商品已停止供货，无法更换；因此根据法定保修，我们将改为免费为您维修，所有运输费用均由我们承担。",
  guarantee_refund_later = "根据法定保修，商品缺陷首先通过维修或更换解决；如仍无法解决，您有权要求降价或全额退款。",
  guarantee_cure_failed = "很抱歉，商品缺陷仍未得到解决，或维修时间过长。",
  guarantee_no_cure = "很遗憾，该商品既无法维修，也无法更换。",
  guarantee_refund = "因此，您有权解除购买合同：我们将全额退还{amount:money}。",
  guarantee_price_reduction = "因此，您有权要求降价：我们将退还您{amount:money}，商品由您保留。",

  -- 配送延迟
  late_on_time = "根据我们的记录，您的订单已在承诺的配送时间内送达。如果还有其他问题，请直接回复本消息，我们会为您核查。",
  late_coupon = "很抱歉您的订单延迟送达。为表歉意，我们赠送您一张价值{amount:money}的优惠券，可用于下次购物。",
  late_coupon_days = "很抱歉您的订单晚了{days:plural|other=#天}才送达。为表歉意，我们赠送您一张价值{amount:money}的优惠券，可用于下次购物。",
  late_free_delivery = "很抱歉您的订单延迟送达。为表歉意，您的下一次配送免运费。",

  -- 包裹丢失
  missing_trace = "承运商显示您的包裹已经签收。我们已要求承运商追查包裹，并将于{due:date}前告知您结果。在此期间，您不妨向邻居或所在楼宇的前台询问一下。",
  missing_resend = "非常抱歉您没有收到包裹。我们将免费为您重新寄送订单。",
  missing_refund = "非常抱歉您没有收到包裹。我们将全额退还{amount:money}。",
  refund_pending = "非常抱歉您没有收到包裹。我们正在为您办理{amount:money}的全额退款，经理正在审批，退款发出后我们会第一时间通知您。",

  -- 发错商品、员工态度
  wrong_item_return = "很抱歉您收到了错误的商品。我们将免费为您寄出正确的商品，并附上预付邮费的面单，方便您寄回错发的商品。",
  wrong_item_keep = "很抱歉您收到了错误的商品。我们将免费为您寄出正确的商品，错发的商品无需退回，请您留用。",
  rude_staff = "对于您所受到的对待，我们深表歉意。我们不希望任何人受到这样的对待，已就此事与相关团队沟通。请接受我们赠送的一份价值{amount:money}的小礼物。",

  -- 后续处理
  reply_ack = "{name}，感谢您的回复。我们已将其加入投诉单 {case_id}，并会尽快与您联系。",
  unjustified = "{name}，您好！感谢您的耐心等待。我们仔细核查了投诉单 {case_id}，这次没有发现我们方面的过错。但我们仍然乐意帮助您：请回复此消息，我们一起想办法解决。",
  offer_accepted = "{name}，谢谢您！我们正在落实投诉单 {case_id} 中商定的方案，完成后会通知您。",
  offer_declined = "{name}，很抱歉我们的方案未能让您满意。一位经验丰富的同事将很快与您联系，和您一起寻找更好的解决办法。",
  approval_granted = "{name}，好消息：您价值{amount:money}的{kind:select|refund=退款|partial_refund=部分退款|coupon=优惠券|gift=礼物|other=补偿方案}已获批准。",
  approval_denied = "{name}，您好！一位资深同事现已亲自负责投诉单 {case_id}，并将很快与您联系，商讨最佳解决方案。",
  reminder_offer = "{name}，您好！我们在{days:plural|other=#天}前就投诉单 {case_id} 向您发送了处理方案。请告诉我们您是否同意，以便我们尽快落实。",
  reminder_info = "{name}，您好！我们在{days:plural|other=#天}前请您补充投诉单 {case_id} 的相关信息。收到信息后，我们即可继续为您处理。",
  follow_up = "{name}，您好！投诉单 {case_id} 已处理完毕。您对我们的处理满意吗？您简短的回复将帮助我们改进。",
  thanks_feedback = "{name}，感谢您的反馈，很高兴能帮到您。",
  feedback_low = "{name}，感谢您坦诚的反馈，很抱歉我们没有做好。一位资深同事将亲自与您联系。",
  sla_late = "{name}，您好！投诉单 {case_id} 的处理时间超出了我们的承诺，对此我们深表歉意。一位资深同事已接手处理，并将很快与您联系。",
}
