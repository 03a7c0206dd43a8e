-- 重复检查检验: the same lab or imaging test (catalogue is_lab) charged again for one person within
-- :min_interval_days days, at any institution (检查检验结果互认: a recent result should be used).
-- Each charge is compared with the last earlier charge that kept the interval itself, so a
-- too-early repeat does not make the regular charge after it suspect too. Tests with an item_limit
-- interval in force are left to lab_interval_limit; exact duplicate lines and components billed
-- beside their package are left to DUPLICATE_BILLING / UNBUNDLING.
WITH lab AS (
  SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg, f.fee_ocur_time, f.fee_date,
         f.med_list_codg, f.item_name, f.det_item_fee_sumamt
  FROM fee_ctx AS f
  WHERE f.is_lab
    AND NOT EXISTS (SELECT 1 FROM fee_dup AS d WHERE d.feedetl_sn = f.feedetl_sn)
    AND NOT EXISTS (SELECT 1 FROM pair_hit AS h WHERE h.feedetl_sn = f.feedetl_sn)
    AND NOT EXISTS (SELECT 1 FROM fee_limit AS l
                    WHERE l.feedetl_sn = f.feedetl_sn AND l.min_interval_days IS NOT NULL)
),
g1 AS (
  SELECT lab.*,
         lag(fee_date) OVER (PARTITION BY psn_no, med_list_codg ORDER BY fee_ocur_time, feedetl_sn) AS prev_date
  FROM lab
),
g2 AS (
  SELECT g1.*,
         max(CASE WHEN prev_date IS NULL OR date_diff('day', prev_date, fee_date) >= :min_interval_days
                  THEN fee_date END)
           OVER (PARTITION BY psn_no, med_list_codg ORDER BY fee_ocur_time, feedetl_sn
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_ok_date
  FROM g1
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, det_item_fee_sumamt AS amount,
       med_list_codg, item_name, CAST(last_ok_date AS VARCHAR) AS prev_date,
       date_diff('day', last_ok_date, fee_date) AS gap_days
FROM g2
WHERE prev_date IS NOT NULL AND date_diff('day', prev_date, fee_date) < :min_interval_days
  AND last_ok_date IS NOT NULL AND date_diff('day', last_ok_date, fee_date) < :min_interval_days
