"""Fees (收费、减免、退费): bills, waivers, WeChat Pay and offline payments, pro-rata refunds."""
