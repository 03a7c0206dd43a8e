-- 无指征检验检查: a lab or imaging test (catalogue is_lab) whose catalogue row in force on the charge
-- date limits it to some diagnoses (lmt_dise, ICD-10 prefixes) in an encounter none of whose
-- diagnoses (enc_dx: diag rows or the main diagnosis) starts with one of them. Prefixes are
-- matched with one equi-join per prefix length on left(dise_codg, n).
WITH lab AS (
  SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, med_list_codg, item_name, lmt_dise,
         cat_span_begin, det_item_fee_sumamt, dise_codg
  FROM fee_ctx
  WHERE is_lab AND lmt_dise IS NOT NULL
),
k AS (
  SELECT DISTINCT med_list_codg, span_begin, prefix, length(prefix) AS n
  FROM catalog_dise
  WHERE med_list_codg IN (SELECT med_list_codg FROM lab)
),
lens AS (
  SELECT DISTINCT n FROM k
),
dx AS (
  SELECT DISTINCT d.mdtrt_id, l.n, left(upper(trim(d.dise_codg)), l.n) AS pfx
  FROM enc_dx AS d CROSS JOIN lens AS l
  WHERE d.mdtrt_id IN (SELECT mdtrt_id FROM lab)
),
met AS (
  SELECT DISTINCT lab.feedetl_sn
  FROM lab
  JOIN k ON k.med_list_codg = lab.med_list_codg AND k.span_begin = lab.cat_span_begin
  JOIN dx ON dx.mdtrt_id = lab.mdtrt_id AND dx.n = k.n AND dx.pfx = k.prefix
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, det_item_fee_sumamt AS amount,
       med_list_codg, item_name, lmt_dise, coalesce(dise_codg, '无') AS dise_codg
FROM lab
WHERE feedetl_sn NOT IN (SELECT feedetl_sn FROM met)
