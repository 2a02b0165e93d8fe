-- Every complaint sets one timer; when it fires, the policy decides again.
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  act:timer { name = "follow_up", after = "4s", data = { step = 1 } }
end
function P.on_timer(case, timer, act)
  act:message { template = "follow_up" }
  act:set { status = "follow_up" }
end
return P
