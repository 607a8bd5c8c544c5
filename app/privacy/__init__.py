"""Guardians' data rights (个人信息保护): export, erasure, access log, retention, consent."""
