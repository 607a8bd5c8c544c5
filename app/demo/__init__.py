"""The demo school ``kehou serve --demo`` seeds once, and the logins it prints on start."""

from app.demo.banner import banner
from app.demo.seed import DemoSchool, seed_demo

__all__ = ["DemoSchool", "banner", "seed_demo"]
