return {
  customer = "valued customer",

  -- acknowledgements: thank, say why, apologise, act, ask for what is missing, next contact
  ack_outage = "Dear {name}, thank you for reporting the loss of service: reports like yours help our engineers find faults sooner. We are sorry that you were left for about {hours:plural|one=# hour|other=# hours} without a service you pay for. We have opened case {case_id} and started checking your line right away. We will contact you again by {next:datetime}.",
  ack_outage_ask = "Dear {name}, thank you for reporting the loss of service: reports like yours help our engineers find faults sooner. We are sorry for the disruption. We have opened case {case_id} and started checking your line right away. So that we can work out the credit you are owed, please reply with when the service stopped, when it came back (if it has), and the monthly price of the service. We will contact you again by {next:datetime}.",
  ack_billing = "Dear {name}, thank you for raising this with us: checking a bill together is how we keep our billing right. We are sorry for the worry it has caused you. We have opened case {case_id} and put collection of the disputed {amount:money} on hold while we look into it. We will contact you again by {next:datetime}, and you will have our final answer no later than {deadline:date}.",
  ack_billing_ask = "Dear {name}, thank you for raising this with us: checking a bill together is how we keep our billing right. We are sorry for the worry it has caused you. We have opened case {case_id}. Please reply with the amount you dispute and the bill it appears on, so that we can put its collection on hold. We will contact you again by {next:datetime}, and you will have our final answer no later than {deadline:date}.",
  ack_slow_speed = "Dear {name}, thank you for telling us about the speed of your connection: it helps us find problems on our network. We are sorry that it has not been what you expect. We have opened case {case_id} and we are running a test on your line. We will contact you again by {next:datetime}.",
  ack_mis_sold = "Dear {name}, thank you for telling us how your contract was sold to you: we take this seriously, because every customer should get exactly what they agreed to. We are sorry it has caused you trouble. We have opened case {case_id} and started reviewing the sale. We will contact you again by {next:datetime}.",
  ack_general = "Dear {name}, thank you for contacting us: what you tell us helps us improve our service. We are sorry for the trouble. We have opened case {case_id} and a member of our team is looking into it. We will contact you again by {next:datetime}.",
  reopened = "Dear {name}, thank you for coming back to us. We have reopened case {case_id}, and an experienced colleague is taking it over. We will contact you again by {next:datetime}.",

  -- outages and credits
  outage_ongoing = "Our records show that your service may still be down. Our network team is working on it now; once it is back, we will review the whole outage and add any further credit it is owed.",
  credit_outage = "For the time without service, we are crediting {amount:money} to your account; you will see it on your next bill.",
  credit_repeat = "We know this is not the first time your service has failed recently, and we are sorry. Our network engineering team is now looking for the cause on your line, and we are crediting {amount:money} to your account, more than our usual credit, for the repeated trouble.",
  credit_pending = "We are arranging a credit of {amount:money} for you. A manager confirms it shortly, and we will write to you as soon as it is on your account.",
  credit_approved = "Good news: your credit has been approved and added to your account. You will see it on your next bill.",
  outage_below_minimum = "The interruption lasted about {hours:plural|one=# hour|other=# hours}. Our service credit starts at {min_hours:plural|one=# hour|other=# hours} without service, so there is no credit this time, but we are sorry for the trouble and we are keeping an eye on your line.",
  credit_slow_speed = "Our tests confirmed that your speed was below what we promised. We are sorry: we are crediting {amount:money} to your account, and an engineer will contact you to fix the cause.",
  slow_speed_upheld_review = "Our tests confirmed that your speed was below what we promised. We are sorry: we will add a credit to your account and write to you with the amount, and an engineer will contact you to fix the cause.",

  -- vulnerable customers
  vulnerable_note = "We have noted that you depend on this service. Your case has priority, a specialist team is looking after it, and your service will not be disconnected while we deal with it.",

  -- billing disputes
  dispute_update = "Dear {name}, an update on case {case_id}: we are still checking your bill, and collection of the disputed amount remains on hold. You will have our final answer no later than {deadline:date}.",
  deadlock = "Dear {name}, we have not been able to resolve your complaint (case {case_id}) within {weeks:plural|one=# week|other=# weeks}, and we are sorry. You can now take it to the independent alternative dispute resolution (ADR) scheme; it costs you nothing. Collection of the disputed amount stays on hold in the meantime, and we will keep working on your case.",
  adr_contact = "You can reach the scheme at {adr}.",
  dispute_upheld = "Dear {name}, we have checked your bill and you were right. We are sorry for the mistake: we are refunding {amount:money} to you, and collection of that amount is cancelled.",
  dispute_upheld_review = "Dear {name}, we have checked your bill and you were right. We are sorry for the mistake: we are correcting your bill and will write to you with the amount refunded.",
  dispute_rejected = "Dear {name}, thank you for your patience. We have checked your bill carefully and found the charges correct; we will send you how each one was calculated. If you still disagree, you can take your complaint to the independent alternative dispute resolution (ADR) scheme, free of charge.",

  -- mis-sold contracts
  withdrawal = "You are still within your legal cancellation period, which runs until {until:date}. If you wish, we will cancel the contract without any charge and refund everything you have paid under it.",
  mis_sold_release = "Dear {name}, we have reviewed the sale of your contract and agree that it was not explained to you as it should have been. We are sorry: you may leave the contract without any early termination charges, or change to a plan that suits you, whichever you prefer.",

  -- an engineer's visit (telecom.engineer_visit_completed, the pack's own event)
  engineer_fixed = "Dear {name}, our engineer has fixed the fault, and we are sorry for the trouble it caused you. Is everything working as it should now? If not, just reply to this message and we will pick up case {case_id} again straight away.",
  engineer_not_fixed = "Dear {name}, our engineer could not fix the fault on this visit, and we are sorry that it is taking longer. Our network engineering team is now taking over case {case_id}, and we will contact you again by {next:datetime}.",

  -- the rest of the case
  reply_ack = "Thank you for your reply, {name}. We have added it to case {case_id} and will get back to you soon.",
  unjustified = "Dear {name}, thank you for your patience. We have looked carefully into case {case_id} and this time we could not find a fault on our side. We are still glad to help: reply to this message and we will find a way together.",
  offer_accepted = "Thank you, {name}. We have applied what we agreed on case {case_id}.",
  late = "Dear {name}, we promised to get back to you on case {case_id} by now, and we have not: we are sorry. A manager is now looking after your case personally.",
  follow_up = "Dear {name}, case {case_id} is resolved. Are you satisfied with how we handled it? A short reply helps us improve.",
  thanks_feedback = "Thank you for your feedback, {name}.",
}
