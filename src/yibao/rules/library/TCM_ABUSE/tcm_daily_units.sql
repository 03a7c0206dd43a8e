-- 中医治疗单日次数过多: a person's TCM therapy units (catalogue is_tcm_therapy, all therapies
-- together) on one day beyond :max_daily_units, over all encounters and institutions in charge
-- order; the lines past the maximum are reported with the excess part as the amount. Exact
-- duplicate lines are left to DUPLICATE_BILLING.
WITH t AS (
  SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg, f.fee_date, f.med_list_codg,
         f.item_name, f.cnt, f.det_item_fee_sumamt,
         sum(f.cnt) OVER (PARTITION BY f.psn_no, f.fee_date ORDER BY f.fee_ocur_time, f.feedetl_sn
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_cnt
  FROM fee_ctx AS f
  WHERE f.is_tcm_therapy
    AND NOT EXISTS (SELECT 1 FROM fee_dup AS d WHERE d.feedetl_sn = f.feedetl_sn)
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       CAST(round(det_item_fee_sumamt * least(cnt, cum_cnt - :max_daily_units) / cnt, 2) AS DECIMAL(18,2)) AS amount,
       med_list_codg, item_name, CAST(fee_date AS VARCHAR) AS fee_day, cum_cnt
FROM t
WHERE cum_cnt > :max_daily_units
