-- 参考文本：其他语言均译自本文件。金额、日期由 ICU 按顾客的语言格式化。
return {
  customer = "尊敬的顾客",
  ack = "{name}，您好！感谢您联系我们，您的反馈能帮助我们把商品和服务做得更好。给您带来不便，我们深表歉意。{state:select|frustrated=我们非常理解您现在的心情。|aggressive=我们非常理解您的不满，资深客服会亲自为您处理。|other=}我们已为您建立售后单 {case_id}，并立即开始处理。{ask:select|order=请回复告诉我们您的订单号，以便我们尽快核实。|other=}我们最迟会在{reply_by:datetime}前再次与您联系。",
  ack_social = "{name}，感谢您的反馈，给您添麻烦了，非常抱歉！售后单 {case_id} 已建立，请私信我们订单号，我们会在{reply_by:datetime}前回复您。",
  ack_reopened = "{name}，您好！非常抱歉问题还没有解决。我们已重新打开售后单 {case_id}，店长会亲自跟进，并在{reply_by:datetime}前与您联系。",
  review = "您的情况需要我们的售后专员进一步核实，核实后我们会第一时间告诉您处理方案。",
  refund_pending = "由于退款金额较大，需要店长确认。确认后我们会马上为您退款并通知您。",

  no_reason_refund = "您的订单 {order_id} 仍在七天无理由退货期内（至{ends:date}）。请保持商品完好、配件齐全后寄回，我们收到退货后7日内将{amount:money}退回您的原支付账户。{shipping:select|buyer=按照规定，七天无理由退货的运费由您承担。|other=退货运费由我们承担。}",
  no_reason_excluded = "很抱歉，{goods:select|custom_made=定制商品|fresh=鲜活易腐商品|digital_download=在线下载的数字化商品|audio_video_software=已拆封的音像制品或计算机软件|newspaper_periodical=报纸、期刊|other=您在购买时已确认不宜退货的商品}依法不适用七天无理由退货（《消费者权益保护法》第二十五条）。如果商品存在质量问题，您仍然可以要求退货、换货或维修，请回复并附上照片，我们会马上为您处理。",
  no_reason_expired = "您的商品于{delivered:date}签收，七天无理由退货期已于{ends:date}结束，因此无法再按无理由退货办理，敬请谅解。如果商品存在质量问题，请回复并附上照片，我们会按照“三包”规定为您换货或维修。",
  ask_delivery_date = "为了确认七天无理由退货的期限，请告诉我们您签收商品的日期，或发给我们物流签收记录的截图。",
  ask_purchase_date = "为了确认质量问题的退换货期限，请告诉我们购买日期（或发给我们订单详情的截图），并附上问题部位的照片。",

  defect_window = "商品出现质量问题，我们深表歉意。{window:select|seven=您在7天内提出，可以选择退货、换货或维修。|fifteen=您在15天内提出，可以选择换货或维修。|repairs=商品在保修期内两次维修仍未修好，可以换货或退货。|other=商品仍在保修期内，我们为您免费维修。}本次售后期限至{ends:date}。",
  defect_refund = "我们将为您办理退货退款，退款金额{amount:money}，往返运费由我们承担。请将商品寄回，我们收到后会尽快退款。",
  defect_replacement = "我们将免费为您更换同款新品，往返运费由我们承担。请将商品寄回，我们收到后立即发出新品。",
  defect_repair = "我们将为您免费维修，往返运费由我们承担。维修完成后我们会立即寄回给您。",
  out_of_warranty = "很抱歉商品出现问题。该商品的保修期已于{ends:date}结束，我们的售后专员会联系您，为您提供优惠的付费维修方案。",

  late_on_time = "我们查询到您的包裹已于{delivered:datetime}签收，在承诺的{promised:datetime}之前送达。如果您实际没有收到包裹，或者商品有其他问题，请回复告诉我们，我们会马上处理。",
  late_not_yet = "您的订单承诺在{promised:datetime}前送达，目前仍在承诺时间内。我们已联系快递加急处理；如果届时仍未送达，我们会主动为您补偿。",
  late_coupon = "您的包裹比承诺时间晚了{days:plural|other=#天}，非常抱歉。为表歉意，我们为您送上一张{amount:money}的优惠券，下次购物可直接使用。",
  late_refund = "您的包裹已超过承诺送达时间{days:plural|other=#天}仍未送达，非常抱歉。如果您不想再等，我们可以为您取消订单并全额退款{amount:money}；如果您仍希望收到商品，请回复告诉我们，我们会继续催促快递。",
  missing_refund = "很抱歉您没有收到包裹。商品送到您手中之前的风险由我们承担，我们将为您全额退款{amount:money}，并由我们向快递公司追责。",
  missing_resend = "很抱歉您没有收到包裹。我们将立即为您免费补发，并把新的快递单号发给您。",
  wrong_item = "很抱歉给您发错了商品。我们会立即为您补发正确的商品，错发商品的退回运费由我们承担。",
  wrong_item_refund = "很抱歉给您发错了商品。我们将为您全额退款{amount:money}，错发商品的退回运费由我们承担。",

  fraud_review = "您反映的{kind:select|counterfeit=假冒商品|false_advertising=虚假宣传|refurbished_as_new=翻新或二手商品冒充新品|other=商品与描述不符}问题，我们非常重视，已交由法务团队核查。如经核实存在欺诈，您可以依照《消费者权益保护法》第五十五条获得商品价款三倍的赔偿，不足500元的按500元计算。请保留好包装、购物凭证和聊天记录，并回复商品照片。",
  fraud_refund = "在核查期间，您可以先办理退货退款：商品寄回的运费由我们承担，我们收到后7日内退款{amount:money}。赔偿事宜将在核查结束后另行通知您。",

  reply_ack = "{name}，感谢您的回复。我们已将信息补充到售后单 {case_id}，会尽快给您答复。",
  unjustified = "{name}，您好！感谢您的耐心等待。我们仔细核查了售后单 {case_id}，这次没有发现商品或服务方面的问题。不过我们仍然乐意帮助您：请直接回复此消息，我们一起想办法解决。",
  approval_granted = "{name}，您好！售后单 {case_id} 的处理方案已获批准，我们会立即为您办理，完成后通知您。",
  approval_denied = "{name}，您好！经过核查，售后单 {case_id} 暂时无法按原方案处理。我们的专员会尽快联系您说明原因，并和您商量其他解决办法。",
  follow_up = "{name}，您好！售后单 {case_id} 已处理完毕。请问您对处理结果满意吗？您的评分（1–5分）能帮助我们改进。",
  closing = "{name}，您好！售后单 {case_id} 已关闭。如果还有任何问题，随时回复此消息，我们会继续为您服务。",
  thanks_feedback = "{name}，感谢您的评价，期待再次为您服务！",
  sorry_feedback = "{name}，很抱歉这次没能让您满意。店长会亲自联系您，了解问题并尽力弥补。",
  sorry_delay = "{name}，您好！很抱歉售后单 {case_id} 的处理超出了预期时间。店长已亲自接手，会尽快给您明确答复。",
}
