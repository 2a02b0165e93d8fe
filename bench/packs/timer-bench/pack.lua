return { name = "timer-bench", version = "1.0.0", languages = { "en" } }
