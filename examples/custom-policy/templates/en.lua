return {
  customer = "valued customer",
  ack = "Dear {name}, thank you for telling us. We are sorry, and we are on it: case {case_id}. We will write again within one business day.",
  coupon = "Please accept a coupon worth {amount} for your next visit.",
}
