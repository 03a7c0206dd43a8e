-- 超限定频次/限额: the lines that break an item_limit row (per day, per encounter, per stay day,
-- per calendar week/month/year or rolling window; max_cnt, max_amount, max_days course limits,
-- min_interval_days). The breaches are computed once in prelude/10_item_rules.sql (limit_breach):
-- the lines that push the running total past the limit, the excess part as the amount. TCM
-- therapies are reported as TCM_ABUSE and too-short intervals between lab tests as LAB_ABUSE.
-- A line breaking several limits is reported once, with its largest excess.
WITH b AS (
  SELECT lb.*,
         row_number() OVER (PARTITION BY feedetl_sn ORDER BY excess_amount DESC, kind, limit_key) AS rn
  FROM limit_breach AS lb
  WHERE limit_source = 'item_limit' AND NOT is_tcm_therapy AND NOT (is_lab AND kind = 'interval')
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, excess_amount AS amount,
       med_list_codg, item_name, limit_codes, limit_text, found_text
FROM b
WHERE rn = 1
