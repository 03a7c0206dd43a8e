-- 频繁门诊: a person with more than max_visits outpatient encounters of the listed types
-- (default 11 普通门诊; 14 门诊慢特病 such as dialysis is scheduled care and left out) in any
-- window_days consecutive days (rolling, so a burst across a month boundary counts). One finding per person, for the busiest window (the earliest one on
-- a tie); amount = the settled cost of the encounters in that window.
WITH w AS (
  SELECT psn_no, act_date,
         sum(n_enc) OVER (PARTITION BY psn_no ORDER BY day_no
                          RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS n_win,
         count(*) OVER (PARTITION BY psn_no ORDER BY day_no
                        RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS days_win,
         sum(medfee) OVER (PARTITION BY psn_no ORDER BY day_no
                           RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS amt_win,
         min(act_date) OVER (PARTITION BY psn_no ORDER BY day_no
                             RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS win_first
  FROM psn_day
  WHERE strpos(';' || :med_types || ';', ';' || med_type || ';') > 0
),
peak AS (
  SELECT w.*, row_number() OVER (PARTITION BY psn_no ORDER BY n_win DESC, act_date) AS rn
  FROM w WHERE n_win > :max_visits
)
SELECT psn_no, amt_win AS amount, n_win, days_win, win_first, act_date AS win_last,
       least(1.0, 0.5 + 0.5 * (n_win - :max_visits) / :max_visits) AS score
FROM peak WHERE rn = 1
