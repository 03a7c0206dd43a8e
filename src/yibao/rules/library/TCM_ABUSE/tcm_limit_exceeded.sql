-- 中医治疗超限定频次: a TCM therapy line (catalogue is_tcm_therapy) that breaks the catalogue's
-- max_daily_cnt or an item_limit row (per day, encounter, stay day, calendar period, rolling
-- window, course days, minimum interval). Breaches are computed once in prelude/10_item_rules.sql
-- (limit_breach): the lines past the limit, with the excess part as the amount. A line breaking
-- several limits is reported once, with its largest excess.
WITH b AS (
  SELECT lb.*,
         row_number() OVER (PARTITION BY feedetl_sn ORDER BY excess_amount DESC, kind, limit_key) AS rn
  FROM limit_breach AS lb
  WHERE is_tcm_therapy
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, excess_amount AS amount,
       med_list_codg, item_name, limit_text, found_text,
       CASE WHEN limit_source = 'catalog' THEN '目录' ELSE '' END AS source_label
FROM b
WHERE rn = 1
