-- A restricted item (限适应症/限定支付范围) on an encounter none of whose diagnoses starts with an
-- allowed ICD-10 prefix; a pharmacy purchase with no diagnosis does not meet the restriction.
-- Tests without indication (无指征检验检查) belong to LAB_ABUSE and are left to its rule.
WITH restricted AS (
  SELECT * FROM fee_ctx WHERE lmt_dise IS NOT NULL AND NOT coalesce(is_lab, FALSE)
),
met AS (
  SELECT DISTINCT r.feedetl_sn
  FROM restricted AS r
  JOIN enc_dx AS d ON d.mdtrt_id = r.mdtrt_id
  JOIN catalog_dise AS k ON k.med_list_codg = r.med_list_codg AND k.span_begin = r.cat_span_begin
  WHERE starts_with(upper(d.dise_codg), k.prefix)
)
SELECT r.feedetl_sn, r.mdtrt_id, r.psn_no, r.fixmedins_code, r.bilg_dr_codg AS prac_code,
       r.det_item_fee_sumamt AS amount, r.med_list_codg, r.item_name, r.lmt_dise,
       coalesce(r.dise_codg, '无') AS dise_codg
FROM restricted AS r
WHERE r.feedetl_sn NOT IN (SELECT feedetl_sn FROM met)
