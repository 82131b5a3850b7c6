"""Reading back what the yours stack recorded: the session-history command and what it reads with."""
