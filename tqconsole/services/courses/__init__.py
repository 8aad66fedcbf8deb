"""Courses and subscriptions: places, staff actions, people, vouchers, participant lists."""
