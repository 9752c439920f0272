"""The local stack: the processes ``strangler up`` starts, how it knows they are ready, and the
run directory's state (``local`` orchestrates up, down and status)."""
