"""School set-up: the school and its policy, terms, slots, classes, groups, students."""
