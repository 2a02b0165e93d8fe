-- Translated from templates/zh.lua (the reference text).
return {
  customer = "valued customer",
  ack = "Dear {name}, thank you for contacting us: what you tell us helps us make our products and service better. We are sorry for the trouble this has caused you. {state:select|frustrated=We fully understand how you feel. |aggressive=We fully understand your frustration, and a senior agent will handle your case personally. |other=}We have opened after-sales case {case_id} and are working on it now. {ask:select|order=Please reply with your order number so that we can check it quickly. |other=}We will get back to you by {reply_by:datetime} at the latest.",
  ack_social = "Thank you for telling us, {name}, and we are sorry for the trouble! Case {case_id} is open: please send us your order number in a private message, and we will reply by {reply_by:datetime}.",
  ack_reopened = "Dear {name}, we are very sorry that the problem is not solved yet. We have reopened case {case_id}; the shop manager is following it personally and will contact you by {reply_by:datetime}.",
  review = "Your case needs a closer look by one of our after-sales specialists. As soon as they have checked it, we will tell you how we will put it right.",
  refund_pending = "Because the refund is a large amount, the shop manager confirms it first. We will refund you and let you know as soon as it is confirmed.",

  no_reason_refund = "Your order {order_id} is still within the 7-day no-reason return period (until {ends:date}). Please send the goods back complete and undamaged, with all accessories; within 7 days of receiving them we will refund {amount:money} to the account you paid from. {shipping:select|buyer=As the law provides, the return postage for a no-reason return is paid by you.|other=We pay the return postage.}",
  no_reason_excluded = "We are sorry, but {goods:select|custom_made=made-to-order goods|fresh=fresh and perishable goods|digital_download=digital goods downloaded online|audio_video_software=audio-video products or software that have been unsealed|newspaper_periodical=newspapers and periodicals|other=goods you confirmed at purchase as not suitable for return} are excluded by law from the 7-day no-reason return (Consumer Rights Protection Law of the PRC, art. 25). If the item is defective, you can still ask for a return, an exchange or a repair: reply with a photo and we will deal with it at once.",
  no_reason_expired = "Your parcel was signed for on {delivered:date}, and the 7-day no-reason return period ended on {ends:date}, so we can no longer take it back without a reason; we hope you understand. If the item is defective, please reply with a photo and we will exchange or repair it under the \"three guarantees\" rules (三包).",
  ask_delivery_date = "To confirm your 7-day no-reason return period, please tell us the date you signed for the parcel, or send us a screenshot of the delivery record.",
  ask_purchase_date = "To confirm your return and exchange period for a defect, please tell us the date of purchase (or send a screenshot of the order details), with a photo of the fault.",

  defect_window = "We are sorry that the item is defective. {window:select|seven=You told us within 7 days, so you may choose a return, an exchange or a repair. |fifteen=You told us within 15 days, so you may choose an exchange or a repair. |repairs=The item is still faulty after two repairs within the guarantee period, so you may have it exchanged or returned. |other=The item is still under guarantee, so we will repair it free of charge. }This remedy is available until {ends:date}.",
  defect_refund = "We will take the item back and refund {amount:money}; we pay the postage both ways. Please send the item back and we will refund you as soon as we receive it.",
  defect_replacement = "We will replace it with a new one of the same model free of charge, and we pay the postage both ways. Please send the item back; the new one leaves as soon as we receive it.",
  defect_repair = "We will repair it free of charge and pay the postage both ways. It will be sent back to you as soon as the repair is done.",
  out_of_warranty = "We are sorry the item has a problem. Its guarantee period ended on {ends:date}; one of our after-sales specialists will contact you with a repair offer at a reduced price.",

  late_on_time = "Our records show your parcel was signed for on {delivered:datetime}, before the promised {promised:datetime}. If you did not actually receive it, or something else is wrong with the goods, please reply and we will deal with it at once.",
  late_not_yet = "Your order is promised to arrive by {promised:datetime}, and that time has not passed yet. We have asked the courier to hurry; if it has not arrived by then, we will compensate you without you having to ask.",
  late_coupon = "Your parcel is {days:plural|one=# day|other=# days} later than promised, and we are sorry. As an apology, please accept a coupon worth {amount:money} for your next purchase.",
  late_refund = "Your parcel is now {days:plural|one=# day|other=# days} past the promised delivery time and has still not arrived; we are very sorry. If you would rather not wait, we can cancel the order and refund {amount:money} in full; if you still want the goods, just reply and we will keep pressing the courier.",
  missing_refund = "We are sorry you did not receive your parcel. Until the goods are in your hands the risk is ours: we will refund {amount:money} in full and take the matter up with the courier ourselves.",
  missing_resend = "We are sorry you did not receive your parcel. We will send it again right away, free of charge, and give you the new tracking number.",
  wrong_item = "We are sorry we sent you the wrong item. The right one is on its way to you at once, and we pay the postage for returning the wrong one.",
  wrong_item_refund = "We are sorry we sent you the wrong item. We will refund {amount:money} in full and pay the postage for returning it.",

  fraud_review = "We take your report of {kind:select|counterfeit=counterfeit goods|false_advertising=false advertising|refurbished_as_new=refurbished or used goods sold as new|other=goods that do not match their description} very seriously, and our legal team is now looking into it. If fraud is confirmed, the Consumer Rights Protection Law of the PRC (art. 55) entitles you to compensation of three times the price, and at least 500 yuan. Please keep the packaging, the receipt and our chat history, and reply with photos of the item.",
  fraud_refund = "While we investigate, you can already return the item for a refund: we pay the postage, and within 7 days of receiving it we will refund {amount:money}. We will write to you about the compensation once the investigation is finished.",

  reply_ack = "Thank you for your reply, {name}. We have added it to case {case_id} and will answer you as soon as we can.",
  unjustified = "Dear {name}, thank you for your patience. We have looked carefully at case {case_id} and this time found no fault with the goods or our service. We would still like to help: simply reply to this message and we will find a solution together.",
  approval_granted = "Dear {name}, the solution for case {case_id} has been approved. We are carrying it out now and will let you know when it is done.",
  approval_denied = "Dear {name}, after checking case {case_id} we cannot go ahead with the solution as first proposed. One of our specialists will contact you shortly to explain why and to agree on another solution with you.",
  follow_up = "Dear {name}, case {case_id} has been dealt with. Are you satisfied with the outcome? A score from 1 to 5 in reply helps us improve.",
  closing = "Dear {name}, case {case_id} is now closed. If anything else comes up, just reply to this message and we will be glad to help.",
  thanks_feedback = "Thank you for your feedback, {name}. We look forward to serving you again!",
  sorry_feedback = "We are sorry we did not get it right for you this time, {name}. The shop manager will contact you personally to understand what went wrong and to make it right.",
  sorry_delay = "Dear {name}, we are sorry that case {case_id} is taking longer than it should. The shop manager has taken it over personally and will give you a clear answer very soon.",
}
