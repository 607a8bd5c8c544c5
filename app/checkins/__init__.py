"""Staff check-ins (教师签到): which adult was with which group, slot and day."""
