"""Staff workload (工作量), pay from the school's rates, and its monthly publication (公示)."""
