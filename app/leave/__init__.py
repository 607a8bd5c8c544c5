"""Leave requests (请假): parents ask, homeroom teachers or admins decide."""
