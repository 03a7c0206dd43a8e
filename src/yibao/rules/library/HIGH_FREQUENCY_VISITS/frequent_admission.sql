-- 频繁住院: a person admitted more than max_admissions times (med_type 21, any institution) in
-- any window_days consecutive days, counted on admission dates. Admissions whose main
-- diagnosis starts with an exempt prefix (planned chemotherapy/radiotherapy Z51, dialysis Z49)
-- are not counted. One finding per person, for the busiest window; amount = the settled cost
-- of the counted admissions in that window.
WITH d AS (
  SELECT psn_no, begn_date AS act_date, date_diff('day', DATE '2000-01-01', begn_date) AS day_no,
         count(*) AS n_enc, sum(medfee_sumamt) AS medfee
  FROM (
    SELECT s.*, ';' || :exempt_dise_prefixes || ';' AS ex_dise FROM ip_stay AS s
  ) AS s
  WHERE NOT (
    s.dise_codg IS NOT NULL AND (
      strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 1) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 2) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 3) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 4) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 5) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 6) || ';') > 0
    )
  )
  GROUP BY psn_no, begn_date
),
w AS (
  SELECT psn_no, act_date,
         sum(n_enc) OVER (PARTITION BY psn_no ORDER BY day_no
                          RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS n_win,
         sum(medfee) OVER (PARTITION BY psn_no ORDER BY day_no
                           RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS amt_win,
         min(act_date) OVER (PARTITION BY psn_no ORDER BY day_no
                             RANGE BETWEEN :window_days - 1 PRECEDING AND CURRENT ROW) AS win_first
  FROM d
),
peak AS (
  SELECT w.*, row_number() OVER (PARTITION BY psn_no ORDER BY n_win DESC, act_date) AS rn
  FROM w WHERE n_win > :max_admissions
)
SELECT psn_no, amt_win AS amount, n_win, win_first, act_date AS win_last,
       least(1.0, 0.5 + 0.5 * (n_win - :max_admissions) / :max_admissions) AS score
FROM peak WHERE rn = 1
