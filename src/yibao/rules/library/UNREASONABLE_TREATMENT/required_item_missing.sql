-- 不合理诊疗: item_rule `requires` rows (effective violation UNREASONABLE_TREATMENT). A line of code_a
-- is reported when at least one such row is in force on its charge date for its med_type and none
-- of them is met: no line of any alternative code_b in the same encounter (scope encounter, the
-- default) or for the same person at the same institution on the same day (scope day).
WITH r AS (
  SELECT code_a, code_b, code_b_list, pat_b_label, scope, med_type, rule_begin, rule_end
  FROM item_rule_code
  WHERE relation = 'requires' AND violation = 'UNREASONABLE_TREATMENT'
),
a AS (
  SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg, f.fee_date, f.med_list_codg,
         f.item_name, f.det_item_fee_sumamt, r.code_b, r.pat_b_label, r.scope
  FROM fee_ctx AS f
  JOIN r ON r.code_a = f.med_list_codg
  WHERE f.fee_date BETWEEN r.rule_begin AND r.rule_end
    AND (r.med_type IS NULL OR r.med_type = f.med_type)
),
b AS (
  SELECT mdtrt_id, psn_no, fixmedins_code, fee_date, med_list_codg
  FROM fee_ctx
  WHERE med_list_codg IN (SELECT code_b FROM r)
  GROUP BY mdtrt_id, psn_no, fixmedins_code, fee_date, med_list_codg
),
met AS (
  SELECT a.feedetl_sn
  FROM a JOIN b ON b.mdtrt_id = a.mdtrt_id AND b.med_list_codg = a.code_b
  WHERE a.scope = 'encounter'
  UNION
  SELECT a.feedetl_sn
  FROM a JOIN b ON b.psn_no = a.psn_no AND b.fixmedins_code = a.fixmedins_code AND b.fee_date = a.fee_date
               AND b.med_list_codg = a.code_b
  WHERE a.scope = 'day'
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name,
       string_agg(DISTINCT pat_b_label, '或' ORDER BY pat_b_label) AS required_label,
       CASE WHEN min(scope) = 'day' THEN '同日' ELSE '本次就诊' END AS scope_label
FROM a
WHERE feedetl_sn NOT IN (SELECT feedetl_sn FROM met)
GROUP BY feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, det_item_fee_sumamt, med_list_codg, item_name
