"""Enrollment (报名) and withdrawal (退出): review by school policy, capacity, waitlist."""
