"""Outside staff (校外人员): employment kinds and vetting records (资格审查)."""
