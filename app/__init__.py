"""Kehou (课后): the backend of a school's after-school service."""
