"""事中审核与事前提醒: the rule library judging one settlement at a time, with state across settlements.

`service.ReviewService` is the library behind `yibao serve` (HTTP in `yibao.api`); `judge.Judge`
runs the rule library's own SQL for one settlement; `state.EmbeddedState` / `state.RedisState` keep
what must be remembered. Nothing is imported here, so that `yibao --help` stays quick; import the
modules. See docs/realtime.md.
"""
