"""Whistleblower reports (举报), query codes, encrypted reporter identity and rewards (举报奖励)."""
