-- 中医治疗疗程过密: a person treated with TCM therapies (catalogue is_tcm_therapy) on more than
-- :max_days distinct days within any :window_days consecutive days. A day breaks the limit when,
-- counting it and the earlier days of its window that kept the limit on their own, the window
-- holds more than :max_days treatment days; every TCM therapy line of such a day is reported.
-- Exact duplicate lines are left to DUPLICATE_BILLING.
WITH d AS (
  SELECT f.psn_no, f.fee_date
  FROM fee_ctx AS f
  WHERE f.is_tcm_therapy AND NOT EXISTS (SELECT 1 FROM fee_dup AS x WHERE x.feedetl_sn = f.feedetl_sn)
  GROUP BY f.psn_no, f.fee_date
),
w AS (
  SELECT c.psn_no, c.fee_date, p.fee_date AS p_date
  FROM d AS c
  JOIN d AS p ON p.psn_no = c.psn_no
  WHERE date_diff('day', p.fee_date, c.fee_date) BETWEEN 0 AND :window_days - 1
),
w1 AS (
  SELECT psn_no, fee_date, count(*) > :max_days AS over1 FROM w GROUP BY psn_no, fee_date
),
w2 AS (
  SELECT w.psn_no, w.fee_date, count(*) AS n_days
  FROM w JOIN w1 AS p ON p.psn_no = w.psn_no AND p.fee_date = w.p_date
  WHERE NOT p.over1 OR w.p_date = w.fee_date
  GROUP BY w.psn_no, w.fee_date
)
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, f.item_name, CAST(f.fee_date AS VARCHAR) AS fee_day,
       w2.n_days
FROM w2
JOIN fee_ctx AS f ON f.psn_no = w2.psn_no AND f.fee_date = w2.fee_date
WHERE w2.n_days > :max_days AND f.is_tcm_therapy
  AND NOT EXISTS (SELECT 1 FROM fee_dup AS x WHERE x.feedetl_sn = f.feedetl_sn)
