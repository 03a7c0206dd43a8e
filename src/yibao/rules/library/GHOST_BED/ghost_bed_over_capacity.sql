-- 挂床/超床位收治: on some days an institution holds more inpatients than its approved beds
-- (核定床位) allow, by more than max_occupancy_ratio. The daily census counts the stays in bed
-- that night (算头不算尾: admission day to the day before discharge, a same-day stay one
-- night). It is swept from admission (+1) and discharge (−1) events, so no calendar table is
-- needed. Institutions with no approved beds recorded (NULL) are skipped; 0 beds with
-- inpatients is reported. One finding per institution; amount = excess bed-days × the
-- institution's average cost per inpatient day.
WITH ev AS (
  SELECT fixmedins_code, begn_date AS d, 1 AS delta FROM ip_stay
  UNION ALL
  SELECT fixmedins_code,
         CASE WHEN end_date > begn_date THEN end_date ELSE CAST(begn_date + INTERVAL 1 DAY AS DATE) END AS d,
         -1 AS delta
  FROM ip_stay
),
net AS (
  SELECT fixmedins_code, d, sum(delta) AS delta FROM ev GROUP BY fixmedins_code, d
),
seg AS (
  SELECT fixmedins_code, d,
         sum(delta) OVER (PARTITION BY fixmedins_code ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS census,
         lead(d) OVER (PARTITION BY fixmedins_code ORDER BY d) AS next_d
  FROM net
),
over_cap AS (
  SELECT s.fixmedins_code, s.d, s.census, i.beds, date_diff('day', s.d, s.next_d) AS seg_days,
         s.census - i.beds * :max_occupancy_ratio AS excess
  FROM seg AS s
  JOIN medins AS i ON i.fixmedins_code = s.fixmedins_code
  WHERE i.beds IS NOT NULL AND s.next_d IS NOT NULL AND s.census > i.beds * :max_occupancy_ratio
),
day_cost AS (
  SELECT fixmedins_code, sum(medfee_sumamt) / sum(stay_days) AS cost_per_day FROM ip_stay GROUP BY fixmedins_code
)
SELECT o.fixmedins_code, max(o.beds) AS beds, max(o.census) AS peak_census, min(o.d) AS first_over_date,
       sum(o.seg_days) AS over_days, sum(o.excess * o.seg_days) AS excess_bed_days,
       CAST(round(sum(o.excess * o.seg_days) * max(c.cost_per_day), 2) AS DECIMAL(18, 2)) AS amount,
       least(1.0, 0.6 + 0.4 * (max(o.census) - max(o.beds)) / greatest(max(o.beds), 1)) AS score
FROM over_cap AS o
LEFT JOIN day_cost AS c ON c.fixmedins_code = o.fixmedins_code
GROUP BY o.fixmedins_code
