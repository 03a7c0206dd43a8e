-- 盗刷/套刷: a burst of uses of one person's credential, more than max_settlements outpatient
-- or pharmacy encounters (inpatient stays left out) within window_minutes. Every encounter
-- of a burst is reported: those that are followed within the window by a point where the
-- count over the preceding window exceeds the limit. Exactly max_settlements is clean.
WITH e AS (
  SELECT p.*,
         count(*) OVER (PARTITION BY p.psn_no ORDER BY p.begn_sec
                        RANGE BETWEEN :window_minutes * 60 PRECEDING AND CURRENT ROW) AS n_back
  FROM psn_enc AS p
  WHERE p.med_type <> '21'
),
f AS (
  SELECT e.*, CASE WHEN e.n_back > :max_settlements THEN 1 ELSE 0 END AS is_peak
  FROM e
),
m AS (
  SELECT f.*,
         max(f.is_peak) OVER (PARTITION BY f.psn_no ORDER BY f.begn_sec
                              RANGE BETWEEN CURRENT ROW AND :window_minutes * 60 FOLLOWING) AS in_burst,
         max(f.n_back) OVER (PARTITION BY f.psn_no ORDER BY f.begn_sec
                             RANGE BETWEEN CURRENT ROW AND :window_minutes * 60 FOLLOWING) AS burst_size
  FROM f
)
SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.atddr_no AS prac_code, m.medfee_sumamt AS amount,
       CAST(m.begntime AS VARCHAR) AS use_time, m.use_place AS place, m.burst_size,
       least(1.0, 0.5 + 0.5 * (m.burst_size - :max_settlements) / :max_settlements) AS score
FROM m
WHERE m.in_burst = 1
