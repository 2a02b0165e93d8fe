return { ack = "Thanks, case {case_id}.", follow_up = "Are you satisfied with how we handled {case_id}?" }
