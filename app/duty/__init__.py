"""The duty rota (值班) and shift handoffs (交接班)."""
